import EventContracts
import Foundation
import ServiceKit

extension ServiceDefinition {
    /// The storefront's and admin UI's only door: identity, authorization, limits, and
    /// forwarding to the services' internal HTTP APIs.
    static let gateway: ServiceDefinition = ServiceDefinition(
        name: "gateway",
        summary: "The public front door: identity, authorization, limits, forwarding to the services.",
        defaultPort: 8080,
        publishes: Topic.identity,
        consumes: [Topic.orders],
        migrations: IdentityMigrations.all,
        variables: GatewaySettings.variables,
        build: { environment in
            // Every setting is read before anything that must be shut down (the forwarder's HTTP client) exists.
            let settings = try GatewaySettings(environment)
            let tokens = AccessTokens(keys: settings.signingKeys, lifetime: settings.accessTokenLifetime)
            let staff = StaffStore(database: environment.database)
            let hasher = PasswordHasher(cost: settings.bcryptCost)
            let verifications = EmailVerifications(database: environment.database, outbox: environment.outbox,
                                                   lifetime: settings.emailVerificationLifetime)
            let customers = CustomerStore(database: environment.database, outbox: environment.outbox, verifications: verifications)
            let standing = AccountStanding(staff: staff, customers: customers, freshness: settings.accountCheckFreshness)
            let authenticator = Authenticator(tokens: tokens, standing: standing)
            let door = DoorMiddleware(
                perAddress: RateLimiter(capacity: settings.requestsPerAddressPerMinute, window: .seconds(60)),
                perCustomer: RateLimiter(capacity: settings.requestsPerCustomerPerMinute, window: .seconds(60)),
                placements: RateLimiter(capacity: settings.placementsPerAddressPerHour, window: .seconds(3600)),
                authenticator: authenticator, customers: customers)
            let auth = AuthController(accounts: customers, tokens: tokens, authenticator: authenticator, hasher: hasher,
                                      refreshLifetime: settings.refreshTokenLifetime)
            let passwords = PasswordController(
                changes: PasswordChanges(database: environment.database, outbox: environment.outbox, resetLifetime: settings.passwordResetLifetime),
                customers: customers, authenticator: authenticator, hasher: hasher)
            let emailVerification = EmailVerificationController(verifications: verifications, authenticator: authenticator)
            let admin = AdminController(staff: staff, standing: standing, customers: customers, tokens: tokens, authenticator: authenticator,
                                        hasher: hasher)
            let forwarder = Forwarder(upstreams: settings.upstreams, timeout: settings.upstreamTimeout, authenticator: authenticator)
            let document = PublicDocument(own: ServiceDefinition.gateway.document(version: ServiceMain.version),
                                          upstreams: forwarder.upstreams, client: forwarder.client)
            let bootstrap = BootstrapAdmin(
                environment: environment, staff: staff, hasher: hasher,
                email: settings.bootstrapAdminEmail, source: settings.firstAdmin)
            environment.startGate.beforeOpening { try await bootstrap.create() }
            return ServiceParts(
                routes: { router in
                    router.add(middleware: CORSPolicy(allowedOrigins: settings.corsAllowedOrigins))
                    router.add(middleware: door)
                    auth.register(on: router)
                    passwords.register(on: router)
                    emailVerification.register(on: router)
                    admin.register(on: router)
                    document.register(on: router)
                    forwarder.register(on: router)
                },
                services: [forwarder])
        },
        contract: GatewayContract.contract,
        servesOwnDocument: false
    )
}
