import Foundation
import Persistence
import ServiceKit

/// The fulfilment service's settings, declared for `--help` and read and checked once at
/// start: a value it cannot use stops the start with a message naming the variable.
struct FulfillmentSettings: Sendable {
    static let variables = [
        EnvironmentVariable("WEBHOOK_RETRY_SCHEDULE", default: "5,300,1800,7200,18000,36000",
                            help: "Seconds before each retry of a failed merchant webhook (then it has failed)."),
        EnvironmentVariable("WEBHOOK_ALLOW_PRIVATE_URLS", default: "false",
                            help: "Let merchant webhooks go to loopback, private and link-local addresses (tests, one-machine set-ups)."),
        EnvironmentVariable("WEBHOOK_PORT", default: "8092", help: "Port of the listener the POS posts its webhooks to."),
        EnvironmentVariable("WEBHOOK_HOST", default: "127.0.0.1", help: "Address of the POS webhook listener."),
        EnvironmentVariable("POS_BASE_URL", default: "",
                            help: "The POS provider's API (Pancake-style, e.g. https://pos.pages.fm/api/v1); empty turns POS sync off for every store."),
        .secret("POS_API_KEY", help: "The original store's POS API key (needed when POS_BASE_URL is set; other stores connect their own).", required: false,
                recipe: .issuedElsewhere("from the POS's settings (Pancake: Cấu hình → Ứng dụng → API KEY)")),
        EnvironmentVariable("POS_SHOP_ID", default: "", help: "The original store's shop id at the POS."),
        .secret("POS_WEBHOOK_SECRET", help: "Shared secret the POS signs the original store's webhooks with (needed when POS_BASE_URL is set).",
                required: false, recipe: .randomKey(bytes: 32)),
        .secret("CREDENTIALS_KEY", help: "32 bytes (base64) that seal the stores' POS keys in the database; empty: stores cannot connect a POS.",
                required: false, recipe: .randomKey(bytes: 32)),
        EnvironmentVariable("POS_PUSH_MAX_ATTEMPTS", default: "8", help: "Attempts to push an order before it is dead (admin can push again)."),
        EnvironmentVariable("POS_PUSH_BASE_DELAY_MS", default: "2000", help: "First wait after a failed push; doubles each time, with jitter."),
        EnvironmentVariable("POS_PUSH_MAX_DELAY_MS", default: "600000", help: "Longest wait between pushes of one order."),
        EnvironmentVariable("POS_TIMEOUT_MS", default: "10000", help: "Deadline of one call to the POS, connecting included."),
        EnvironmentVariable("POS_INVENTORY_PULL_SECONDS", default: "300", help: "How often stock counts are read from the POS."),
        EnvironmentVariable("SHOP_NAME", default: "Commerce Shop", help: "The shop's name in emails."),
        EnvironmentVariable("SHOP_LANGUAGE", default: "vi", help: "The language of customer emails: vi or en."),
        EnvironmentVariable("SHOP_TIME_ZONE", default: "Asia/Ho_Chi_Minh", help: "The time zone of times in emails."),
        EnvironmentVariable("STOREFRONT_URL", default: "http://localhost:3000",
                            help: "The storefront's address: emails link to its /orders/{number}, /cart and /reset-password?token= pages."),
        EnvironmentVariable("EMAIL_TEMPLATES_DIR", default: "",
                            help: "A folder of <language>/<kind>.<subject|text|html>.mustache files replacing built-in templates."),
        EnvironmentVariable("EMAIL_FROM", default: "Commerce Shop <shop@localhost>", help: "The sender of customer emails."),
        EnvironmentVariable("SMTP_HOST", default: "", help: "The SMTP server; empty keeps emails queued, unsent, until one is set."),
        EnvironmentVariable("SMTP_PORT", default: "587", help: "The SMTP server's port."),
        EnvironmentVariable("SMTP_SECURITY", default: "starttls", help: "none, starttls (port 587) or tls (port 465)."),
        EnvironmentVariable("SMTP_USERNAME", default: "", help: "SMTP user (AUTH PLAIN, only over TLS); empty sends without signing in."),
        .secret("SMTP_PASSWORD", help: "SMTP password.", required: false, recipe: .issuedElsewhere("from your mail provider")),
        EnvironmentVariable("SMTP_CA_FILE", default: "", help: "A PEM file of CA certificates trusted for the SMTP server besides the system's."),
        EnvironmentVariable("SMTP_TIMEOUT_MS", default: "30000", help: "Deadline of one whole SMTP exchange."),
        EnvironmentVariable("EMAIL_MAX_ATTEMPTS", default: "8", help: "Sends tried before an email is dead (staff can send it again)."),
        EnvironmentVariable("EMAIL_RETRY_BASE_MS", default: "30000", help: "First wait after a failed send; doubles each time, with jitter."),
        EnvironmentVariable("EMAIL_RETRY_MAX_MS", default: "3600000", help: "Longest wait between sends of one email."),
        EnvironmentVariable("DOWNLOADS_DIR", default: ".data/downloads", help: "The folder digital goods' files are served from."),
        .secret("DOWNLOAD_LINK_SECRET", help: "Key that signs download and unsubscribe links, at least 16 bytes.",
                required: true, recipe: .randomKey(bytes: 32)),
        EnvironmentVariable("DOWNLOAD_LINK_TTL_SECONDS", default: "172800", help: "How long download links work after payment (48 h)."),
        EnvironmentVariable("UNSUBSCRIBE_URL", default: "http://localhost:8080/api/fulfillment/email-preferences/unsubscribe",
                            help: "Where one-click unsubscribes from reminders post (List-Unsubscribe): the gateway's route."),
        EnvironmentVariable("DOWNLOAD_LINK_BASE_URL", default: "http://localhost:8080/api/fulfillment/downloads",
                            help: "Where download links point: the gateway's /api/fulfillment/downloads, or a storefront page calling it."),
    ]

    /// Seconds before each retry of a failed merchant webhook.
    var webhookRetrySchedule: [Int]
    var webhookAllowPrivateURLs: Bool
    /// The POS provider, when `POS_BASE_URL` is set, and the original store's account there.
    var posProvider: PosProvider?
    var originalPosAccount: PosAccount?
    /// Seals the stores' POS keys (`CREDENTIALS_KEY`); nil when none is set.
    var credentialSeal: SecretSeal?
    var posPushBackoff: RetryBackoff
    var posInventoryPullInterval: Duration
    var shopName: String
    var emailLocale: EmailLocale
    var storefrontURL: String
    var emailTemplates: EmailTemplates
    var sender: MailMessage.Mailbox
    /// The SMTP server, when `SMTP_HOST` is set.
    var smtp: SMTPClient.Settings?
    var emailBackoff: RetryBackoff
    var downloadsDirectory: String
    /// Signs download and unsubscribe links.
    var linkSigner: LinkSigner
    var downloadLinkLifetime: Duration
    var unsubscribeURL: String
    var downloadLinkBaseURL: String

    init(_ environment: ServiceEnvironment) throws {
        let schedule = environment.value("WEBHOOK_RETRY_SCHEDULE").split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !schedule.isEmpty, schedule.count <= 20, schedule.allSatisfy({ ($0 ?? -1) >= 0 && ($0 ?? 0) <= 7 * 86_400 }) else {
            throw ConfigurationError(variable: "WEBHOOK_RETRY_SCHEDULE", reason: "expected 1 to 20 comma-separated seconds, each at most a week")
        }
        webhookRetrySchedule = schedule.compactMap { $0 }
        webhookAllowPrivateURLs = try environment.boolean("WEBHOOK_ALLOW_PRIVATE_URLS")
        credentialSeal = try SecretSeal(base64: environment.value("CREDENTIALS_KEY"), variable: "CREDENTIALS_KEY")
        posPushBackoff = RetryBackoff(maxAttempts: try environment.integer("POS_PUSH_MAX_ATTEMPTS", in: 1...100),
                                      base: .milliseconds(try environment.integer("POS_PUSH_BASE_DELAY_MS", in: 10...3_600_000)),
                                      cap: .milliseconds(try environment.integer("POS_PUSH_MAX_DELAY_MS", in: 10...86_400_000)))
        posInventoryPullInterval = .seconds(try environment.integer("POS_INVENTORY_PULL_SECONDS", in: 1...86_400))
        emailBackoff = RetryBackoff(maxAttempts: try environment.integer("EMAIL_MAX_ATTEMPTS", in: 1...100),
                                    base: .milliseconds(try environment.integer("EMAIL_RETRY_BASE_MS", in: 10...3_600_000)),
                                    cap: .milliseconds(try environment.integer("EMAIL_RETRY_MAX_MS", in: 10...86_400_000)))
        let linkSecret = environment.value("DOWNLOAD_LINK_SECRET")
        guard linkSecret.utf8.count >= 16, let signer = LinkSigner(secret: linkSecret) else {
            throw ConfigurationError(variable: "DOWNLOAD_LINK_SECRET", reason: "must be at least 16 bytes: it signs download links")
        }
        linkSigner = signer
        downloadLinkLifetime = .seconds(try environment.integer("DOWNLOAD_LINK_TTL_SECONDS", in: 1...31_536_000))
        downloadLinkBaseURL = try environment.httpURL("DOWNLOAD_LINK_BASE_URL")
        downloadsDirectory = environment.value("DOWNLOADS_DIR")
        guard let language = EmailLanguage(rawValue: environment.value("SHOP_LANGUAGE")) else {
            throw ConfigurationError(variable: "SHOP_LANGUAGE", reason: "expected one of \(EmailLanguage.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let timeZone = TimeZone(identifier: environment.value("SHOP_TIME_ZONE")) else {
            throw ConfigurationError(variable: "SHOP_TIME_ZONE", reason: "expected an IANA time zone such as Asia/Ho_Chi_Minh")
        }
        emailLocale = EmailLocale(language: language, timeZone: timeZone)
        storefrontURL = try environment.httpURL("STOREFRONT_URL")
        unsubscribeURL = try environment.httpURL("UNSUBSCRIBE_URL")
        emailTemplates = try EmailTemplates(overrides: environment.value("EMAIL_TEMPLATES_DIR"))
        shopName = environment.value("SHOP_NAME")
        guard let sender = MailMessage.Mailbox(parsing: environment.value("EMAIL_FROM")) else {
            throw ConfigurationError(variable: "EMAIL_FROM", reason: "expected an address, optionally as Name <address>")
        }
        self.sender = sender
        let smtpHost = environment.value("SMTP_HOST")
        if smtpHost.isEmpty {
            smtp = nil
        } else {
            guard let security = SMTPClient.Security(rawValue: environment.value("SMTP_SECURITY")) else {
                throw ConfigurationError(variable: "SMTP_SECURITY", reason: "expected none, starttls or tls")
            }
            smtp = SMTPClient.Settings(
                host: smtpHost, port: try environment.integer("SMTP_PORT", in: 1...65_535), security: security,
                username: environment.value("SMTP_USERNAME"), password: environment.value("SMTP_PASSWORD"),
                heloName: String(sender.address.split(separator: "@").last ?? "localhost"),
                timeout: .milliseconds(try environment.integer("SMTP_TIMEOUT_MS", in: 1_000 ... 600_000)),
                extraTrustRoots: environment.value("SMTP_CA_FILE").isEmpty ? nil : environment.value("SMTP_CA_FILE"))
        }
        posProvider = try environment.httpURL("POS_BASE_URL", optional: true).map { base in
            for secret in ["POS_API_KEY", "POS_WEBHOOK_SECRET"] where environment.value(secret).isEmpty {
                throw ConfigurationError(variable: secret, reason: "must be set when POS_BASE_URL is: POS sync calls the POS with it and checks its webhooks")
            }
            return PosProvider(baseURL: base, timeout: .milliseconds(try environment.integer("POS_TIMEOUT_MS", in: 100...120_000)))
        }
        originalPosAccount = posProvider.map { _ in
            PosAccount(apiKey: environment.value("POS_API_KEY"), shopId: environment.value("POS_SHOP_ID"),
                       webhookSecret: environment.value("POS_WEBHOOK_SECRET"))
        }
    }
}
