import Foundation
import Persistence
import ServiceKit

/// The gateway's settings, declared for `--help` and read and checked once at start: a value
/// it cannot use stops the start with a message naming the variable.
struct GatewaySettings: Sendable {
    static let variables = Upstreams.variables + [
        EnvironmentVariable("UPSTREAM_TIMEOUT_MS", default: "10000", help: "How long the gateway waits for a service before answering 504."),
        EnvironmentVariable("UPSTREAM_IDLE_MS", default: "2000",
                            help: "How long a connection to a service may sit unused before the gateway closes it; keep it below the services' DRAIN_MS."),
        EnvironmentVariable("UPSTREAM_RETRY_MS", default: "10000",
                            help: "How long a GET, or a request with an Idempotency-Key, is tried again while its service refuses or drops connections (a restart), before 503."),
        .secret("JWT_KEYS", help: "Ed25519 keys that sign and verify access tokens: <key id>:<seed>, comma-separated (rotation: docs/operations.md).",
                required: true, recipe: .ed25519KeySet),
        EnvironmentVariable("JWT_SIGNING_KEY_ID", default: "", help: "The key id in JWT_KEYS that signs new tokens; empty: the first."),
        EnvironmentVariable("ACCOUNT_CHECK_SECONDS", default: "5",
                            help: "How long a token's account standing (blocked, removed, role) is remembered per gateway instance."),
        EnvironmentVariable("DEFAULT_STORE", default: "shop",
                            help: "The slug of the store a request naming no store (no X-Store-Key) goes to; empty: every request must name its store."),
        EnvironmentVariable("STORE_CACHE_SECONDS", default: "5",
                            help: "How long a store (its key, status) is remembered per gateway instance."),
        EnvironmentVariable("ACCESS_TOKEN_TTL_SECONDS", default: "900", help: "Lifetime of an access token."),
        EnvironmentVariable("REFRESH_TOKEN_TTL_DAYS", default: "30", help: "Lifetime of a refresh token."),
        EnvironmentVariable("EMAIL_VERIFICATION_TTL_HOURS", default: "72", help: "How long an email verification link stays valid."),
        EnvironmentVariable("PASSWORD_RESET_TTL_MINUTES", default: "30", help: "How long a password reset link stays valid."),
        EnvironmentVariable("BCRYPT_COST", default: "12", help: "bcrypt cost for password hashes (4-31)."),
        EnvironmentVariable("CORS_ALLOWED_ORIGINS", default: "http://localhost:3000,http://127.0.0.1:3000",
                            help: "Comma-separated storefront origins allowed to call the API from a browser."),
        EnvironmentVariable("TRUSTED_PROXIES", default: "",
                            help: "Comma-separated addresses of the load balancers in front; only their Forwarded / X-Forwarded-For name the client."),
        EnvironmentVariable("RATE_LIMIT_PER_MINUTE", default: "100", help: "API requests per client address per minute (in memory, per instance)."),
        EnvironmentVariable("RATE_LIMIT_CUSTOMER_PER_MINUTE", default: "100", help: "API requests per signed-in customer per minute."),
        EnvironmentVariable("ORDER_PLACEMENTS_PER_HOUR", default: "10", help: "Checkouts a client address may place per hour."),
        EnvironmentVariable("WIDGET_REQUESTS_PER_MINUTE", default: "60",
                            help: "Requests a client address may make per minute to the checkout pages' public widget API."),
        EnvironmentVariable("BOOTSTRAP_ADMIN_EMAIL", default: "admin@shop.local", help: "The first admin, created when the shop has none."),
        .secret("BOOTSTRAP_ADMIN_PASSWORD", help: "The first admin's plain password: local development only.", required: false,
                recipe: .issuedElsewhere("choose one"), developmentDefault: "admin-local-password"),
        .secret("BOOTSTRAP_ADMIN_PASSWORD_HASH",
                help: "The first admin's bcrypt password hash; when neither it nor a password is set, a single-use invitation link is printed once.",
                required: false, recipe: .issuedElsewhere("htpasswd -bnBC 12 '' '<password>' | tr -d ':\\n'")),
        EnvironmentVariable("BOOTSTRAP_INVITATION_TTL_HOURS", default: "24", help: "How long the first admin's invitation link works."),
        EnvironmentVariable("ADMIN_INVITATION_URL", default: "",
                            help: "An admin UI page that accepts invitations (the printed link is <url>?token=…); empty prints the API call only."),
    ]

    var upstreams: Upstreams
    /// How long the gateway waits for a service before answering 504.
    var upstreamTimeout: Duration
    var upstreamRetryBudget: Duration
    var upstreamIdleTimeout: Duration
    var signingKeys: SigningKeys
    var accessTokenLifetime: TimeInterval
    var refreshTokenLifetime: TimeInterval
    var emailVerificationLifetime: TimeInterval
    var passwordResetLifetime: TimeInterval
    /// How long an account's standing is remembered per instance.
    var accountCheckFreshness: Duration
    /// The slug of the store a request naming none goes to; nil: every request names one.
    var defaultStore: String?
    /// How long a store is remembered per instance.
    var storeFreshness: Duration
    /// Whether platform operators may create stores (``StoresController``).
    var bcryptCost: UInt8
    var corsAllowedOrigins: Set<String>
    var trustedProxies: Set<String>
    var requestsPerAddressPerMinute: Int
    var requestsPerCustomerPerMinute: Int
    var placementsPerAddressPerHour: Int
    var widgetRequestsPerAddressPerMinute: Int
    var bootstrapAdminEmail: String
    /// How the first admin gets a password.
    var firstAdmin: BootstrapAdmin.Source

    init(_ environment: ServiceEnvironment) throws {
        firstAdmin = try BootstrapAdmin.source(in: environment)
        upstreams = try Upstreams(environment: environment)
        upstreamTimeout = .milliseconds(try environment.integer("UPSTREAM_TIMEOUT_MS", in: 1...Int.max))
        upstreamRetryBudget = .milliseconds(try environment.integer("UPSTREAM_RETRY_MS", in: 0...600_000))
        upstreamIdleTimeout = .milliseconds(try environment.integer("UPSTREAM_IDLE_MS", in: 100...600_000))
        signingKeys = try SigningKeys(keySet: environment.value("JWT_KEYS"), signingKeyID: environment.value("JWT_SIGNING_KEY_ID"))
        accessTokenLifetime = TimeInterval(try environment.integer("ACCESS_TOKEN_TTL_SECONDS", in: 1...Int.max))
        refreshTokenLifetime = TimeInterval(try environment.integer("REFRESH_TOKEN_TTL_DAYS", in: 1...Int.max) * 86_400)
        emailVerificationLifetime = TimeInterval(try environment.integer("EMAIL_VERIFICATION_TTL_HOURS", in: 1...8_760) * 3600)
        passwordResetLifetime = TimeInterval(try environment.integer("PASSWORD_RESET_TTL_MINUTES", in: 1...Int.max) * 60)
        accountCheckFreshness = .seconds(try environment.integer("ACCOUNT_CHECK_SECONDS", in: 0...300))
        let defaultStore = environment.value("DEFAULT_STORE").trimmingCharacters(in: .whitespaces)
        self.defaultStore = defaultStore.isEmpty ? nil : defaultStore
        storeFreshness = .seconds(try environment.integer("STORE_CACHE_SECONDS", in: 0...300))
        bcryptCost = UInt8(try environment.integer("BCRYPT_COST", in: 4...31))
        corsAllowedOrigins = Set(environment.value("CORS_ALLOWED_ORIGINS").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        trustedProxies = Set(environment.value("TRUSTED_PROXIES").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        requestsPerAddressPerMinute = try environment.integer("RATE_LIMIT_PER_MINUTE", in: 1...Int.max)
        requestsPerCustomerPerMinute = try environment.integer("RATE_LIMIT_CUSTOMER_PER_MINUTE", in: 1...Int.max)
        placementsPerAddressPerHour = try environment.integer("ORDER_PLACEMENTS_PER_HOUR", in: 1...Int.max)
        widgetRequestsPerAddressPerMinute = try environment.integer("WIDGET_REQUESTS_PER_MINUTE", in: 1...Int.max)
        bootstrapAdminEmail = environment.value("BOOTSTRAP_ADMIN_EMAIL")
    }
}
