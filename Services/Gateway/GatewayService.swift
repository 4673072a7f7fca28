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
        consumes: [Topic.platform],
        migrations: IdentityMigrations.all + StoreMigrations.all,
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
            let registry = StoreRegistry(database: environment.database, outbox: environment.outbox,
                                         invitationURL: try environment.httpURL("ADMIN_INVITATION_URL", optional: true))
            let directory = StoreDirectory(registry: registry, freshness: settings.storeFreshness)
            let door = DoorMiddleware(
                perAddress: RateLimiter(capacity: settings.requestsPerAddressPerMinute, window: .seconds(60)),
                perCustomer: RateLimiter(capacity: settings.requestsPerCustomerPerMinute, window: .seconds(60)),
                placements: RateLimiter(capacity: settings.placementsPerAddressPerHour, window: .seconds(3600)),
                widget: RateLimiter(capacity: settings.widgetRequestsPerAddressPerMinute, window: .seconds(60)),
                authenticator: authenticator, customers: customers, clients: ClientAddress(trustedProxies: settings.trustedProxies),
                stores: StoreDoor(directory: directory, defaultStore: settings.defaultStore))
            let forwarder = Forwarder(upstreams: settings.upstreams, timeout: settings.upstreamTimeout, retryBudget: settings.upstreamRetryBudget,
                                      idleTimeout: settings.upstreamIdleTimeout, authenticator: authenticator)
            let document = PublicDocument(own: StoreDoor.documented(ServiceDefinition.gateway.document(version: ServiceMain.version)),
                                          upstreams: forwarder.upstreams, client: forwarder.client)
            let bootstrap = BootstrapAdmin(
                environment: environment, staff: staff, hasher: hasher,
                email: settings.bootstrapAdminEmail, source: settings.firstAdmin)
            environment.startGate.beforeOpening { try await bootstrap.create() }
            let passwordChanges = PasswordChanges(database: environment.database, outbox: environment.outbox,
                                                  resetLifetime: settings.passwordResetLifetime)
            return ServiceParts(
                middleware: [CORSPolicy(allowedOrigins: settings.corsAllowedOrigins), door],
                controllers: [
                    AuthController(accounts: customers, tokens: tokens, hasher: hasher, refreshLifetime: settings.refreshTokenLifetime),
                    PasswordResetController(changes: passwordChanges, hasher: hasher),
                    EmailVerificationController(verifications: verifications),
                    AccountController(customers: customers, changes: passwordChanges, verifications: verifications, hasher: hasher),
                    StaffSignInController(staff: staff, standing: standing, tokens: tokens, hasher: hasher),
                    StaffAccountsController(staff: staff, standing: standing, hasher: hasher),
                    CustomerAccountsController(customers: customers, standing: standing),
                    StoresController(registry: registry, directory: directory),
                    StoreSettingsController(registry: registry, directory: directory),
                    document,
                    forwarder,
                ],
                identify: { request, context in try await authenticator.identity(of: request, context: context) },
                handlers: [StoreOpening(registry: registry)],
                services: [forwarder])
        },
        contract: GatewayContract.contract,
        servesOwnDocument: false,
        // The gateway reads only the services' receipts for new stores: rare, and a store may
        // open half a second later.
        fetchWait: .milliseconds(500)
    )
}
