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
        variables: Upstreams.variables + [
            EnvironmentVariable("UPSTREAM_TIMEOUT_MS", default: "10000", help: "How long the gateway waits for a service before answering 504."),
            .secret("JWT_KEYS", help: "Ed25519 keys that sign and verify access tokens: <key id>:<seed>, comma-separated (rotation: docs/operations.md).",
                    required: true, recipe: .ed25519KeySet),
            EnvironmentVariable("JWT_SIGNING_KEY_ID", default: "", help: "The key id in JWT_KEYS that signs new tokens; empty: the first."),
            EnvironmentVariable("ACCOUNT_CHECK_SECONDS", default: "5",
                                help: "How long a token's account standing (blocked, removed, role) is remembered per gateway instance."),
            EnvironmentVariable("ACCESS_TOKEN_TTL_SECONDS", default: "900", help: "Lifetime of an access token."),
            EnvironmentVariable("REFRESH_TOKEN_TTL_DAYS", default: "30", help: "Lifetime of a refresh token."),
            EnvironmentVariable("EMAIL_VERIFICATION_TTL_HOURS", default: "72", help: "How long an email verification link stays valid."),
            EnvironmentVariable("PASSWORD_RESET_TTL_MINUTES", default: "30", help: "How long a password reset link stays valid."),
            EnvironmentVariable("BCRYPT_COST", default: "12", help: "bcrypt cost for password hashes (4-31)."),
            EnvironmentVariable("CORS_ALLOWED_ORIGINS", default: "http://localhost:3000,http://127.0.0.1:3000",
                                help: "Comma-separated storefront origins allowed to call the API from a browser."),
            EnvironmentVariable("RATE_LIMIT_PER_MINUTE", default: "100", help: "API requests per client address per minute (in memory, per instance)."),
            EnvironmentVariable("RATE_LIMIT_CUSTOMER_PER_MINUTE", default: "100", help: "API requests per signed-in customer per minute."),
            EnvironmentVariable("ORDER_PLACEMENTS_PER_HOUR", default: "10", help: "Checkouts a client address may place per hour."),
            EnvironmentVariable("BOOTSTRAP_ADMIN_EMAIL", default: "admin@shop.local", help: "The first admin, created when the shop has none."),
            .secret("BOOTSTRAP_ADMIN_PASSWORD", help: "The first admin's plain password: local development only.", required: false,
                    recipe: .issuedElsewhere("choose one"), developmentDefault: "admin-local-password"),
            .secret("BOOTSTRAP_ADMIN_PASSWORD_HASH",
                    help: "The first admin's bcrypt password hash; when neither it nor a password is set, a single-use invitation link is printed once.",
                    required: false, recipe: .issuedElsewhere("htpasswd -bnBC 12 '' '<password>' | tr -d ':\\n'")),
            EnvironmentVariable("BOOTSTRAP_INVITATION_TTL_HOURS", default: "24", help: "How long the first admin's invitation link works."),
            EnvironmentVariable("ADMIN_INVITATION_URL", default: "",
                                help: "An admin UI page that accepts invitations (the printed link is <url>?token=…); empty prints the API call only."),
        ],
        build: { environment in
            // Every setting is read before anything that must be shut down (the forwarder's HTTP client) exists.
            let firstAdmin = try BootstrapAdmin.source(in: environment)
            let keys = try SigningKeys(keySet: environment.value("JWT_KEYS"), signingKeyID: environment.value("JWT_SIGNING_KEY_ID"))
            let accessTTL = try environment.integer("ACCESS_TOKEN_TTL_SECONDS", in: 1...Int.max)
            let refreshDays = try environment.integer("REFRESH_TOKEN_TTL_DAYS", in: 1...Int.max)
            let cost = UInt8(try environment.integer("BCRYPT_COST", in: 4...31))
            let perAddress = try environment.integer("RATE_LIMIT_PER_MINUTE", in: 1...Int.max)
            let perCustomer = try environment.integer("RATE_LIMIT_CUSTOMER_PER_MINUTE", in: 1...Int.max)
            let placementsPerHour = try environment.integer("ORDER_PLACEMENTS_PER_HOUR", in: 1...Int.max)
            let verificationHours = try environment.integer("EMAIL_VERIFICATION_TTL_HOURS", in: 1...8_760)
            let standingSeconds = try environment.integer("ACCOUNT_CHECK_SECONDS", in: 0...300)
            let resetMinutes = try environment.integer("PASSWORD_RESET_TTL_MINUTES", in: 1...Int.max)
            let origins = environment.value("CORS_ALLOWED_ORIGINS").split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }

            let tokens = AccessTokens(keys: keys, lifetime: TimeInterval(accessTTL))
            let staff = StaffAccounts(database: environment.database)
            let hasher = PasswordHasher(cost: cost)
            let verifications = EmailVerifications(database: environment.database, outbox: environment.outbox,
                                                   lifetime: TimeInterval(verificationHours * 3600))
            let customers = CustomerAccounts(database: environment.database, outbox: environment.outbox, verifications: verifications)
            let standing = AccountStanding(staff: staff, customers: customers, freshness: .seconds(standingSeconds))
            let authenticator = Authenticator(tokens: tokens, standing: standing)
            let door = DoorMiddleware(
                perAddress: RateLimiter(capacity: perAddress, window: .seconds(60)),
                perCustomer: RateLimiter(capacity: perCustomer, window: .seconds(60)),
                placements: RateLimiter(capacity: placementsPerHour, window: .seconds(3600)),
                authenticator: authenticator, customers: customers)
            let auth = AuthController(accounts: customers, tokens: tokens, authenticator: authenticator, hasher: hasher,
                                      refreshLifetime: TimeInterval(refreshDays * 86_400))
            let passwords = PasswordController(
                changes: PasswordChanges(database: environment.database, outbox: environment.outbox, resetLifetime: TimeInterval(resetMinutes * 60)),
                customers: customers, authenticator: authenticator, hasher: hasher)
            let emailVerification = EmailVerificationController(verifications: verifications, authenticator: authenticator)
            let admin = AdminController(staff: staff, standing: standing, customers: customers, tokens: tokens, authenticator: authenticator,
                                        hasher: hasher)
            let forwarder = try Forwarder(environment: environment, authenticator: authenticator)
            let document = PublicDocument(own: ServiceDefinition.gateway.document(version: ServiceMain.version),
                                          upstreams: forwarder.upstreams, client: forwarder.client)
            let bootstrap = BootstrapAdmin(
                environment: environment, staff: staff, hasher: hasher,
                email: environment.value("BOOTSTRAP_ADMIN_EMAIL"), source: firstAdmin)
            environment.startGate.beforeOpening { try await bootstrap.create() }
            return ServiceParts(
                routes: { router in
                    router.add(middleware: CORSPolicy(allowedOrigins: Set(origins)))
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
