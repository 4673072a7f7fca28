import Foundation
import Persistence
import ServiceKit

/// The payments service's settings, declared for `--help` and read and checked once at start:
/// a value it cannot use stops the start with a message naming the variable.
struct PaymentsSettings: Sendable {
    static let variables = [
        EnvironmentVariable("WEBHOOK_HOST", default: "127.0.0.1", help: "Address of the payment providers' webhook listener."),
        EnvironmentVariable("WEBHOOK_PORT", default: "8090", help: "Port of the payment providers' webhook listener."),
        EnvironmentVariable("ORDER_NUMBER_PREFIX", default: "SHOP", help: "First part of order numbers, to find them in transfer contents."),
        EnvironmentVariable("BANK_BIN", default: "970436", help: "NAPAS BIN of the shop's bank (970436: Vietcombank)."),
        EnvironmentVariable("BANK_ACCOUNT_NUMBER", default: "0011001234567", help: "The shop's account that receives transfers."),
        EnvironmentVariable("BANK_ACCOUNT_NAME", default: "CONG TY TNHH CUA HANG", help: "The account holder's name, shown to the customer."),
        EnvironmentVariable("TRANSFER_CONTENT_PREFIX", default: "DH", help: "First word of the transfer content (DH SHOP-20261122-0042)."),
        .secret("SEPAY_API_KEY", help: "The key SePay sends as `Authorization: Apikey <key>`; empty refuses every SePay webhook.",
                required: false, recipe: .randomKey(bytes: 32)),
        EnvironmentVariable("CARD_API_BASE_URL", default: "https://api.stripe.com", help: "The Stripe-compatible card provider's API."),
        .secret("CARD_SECRET_KEY", help: "The card provider's secret API key; empty: card payments fail at the provider.", required: false,
                recipe: .issuedElsewhere("from the provider's dashboard (Stripe: Developers → API keys, sk_live_…)")),
        .secret("CARD_WEBHOOK_SECRET", help: "The card provider's webhook signing secret (whsec_…); empty refuses every card webhook.", required: false,
                recipe: .issuedElsewhere("from the provider's webhook endpoint settings (Stripe: Developers → Webhooks → Signing secret)")),
        .secret("CREDENTIALS_KEY", help: "32 bytes (base64) that seal the stores' card provider keys in the database; empty: stores cannot set card keys.",
                required: false, recipe: .randomKey(bytes: 32)),
        EnvironmentVariable("CARD_FEE_BASIS_POINTS", default: "290", help: "The card provider's fee, written to the ledger (2.9%)."),
        EnvironmentVariable("PAID_ORDER_GRACE_S", default: "120",
                            help: "How long a succeeded payment may wait for its order to be said paid before reconciliation reports it."),
        EnvironmentVariable("IDEMPOTENCY_KEY_HOURS", default: "24", help: "How long refund Idempotency-Keys are remembered."),
    ]

    /// The shop's account that receives bank transfers.
    var bank: PaymentStore.BankAccount
    var orderNumberPrefix: String
    var sepayAPIKey: String
    var cardAPIBaseURL: String
    var cardSecretKey: String
    var cardWebhookSecret: String
    var cardFeeBasisPoints: Int64
    /// Seals the stores' card keys (`CREDENTIALS_KEY`); nil when none is set.
    var credentialSeal: SecretSeal?
    var paidOrderGrace: Duration
    var idempotencyKeyRetention: Duration

    init(_ environment: ServiceEnvironment) throws {
        let bin = environment.value("BANK_BIN")
        guard bin.count == 6, bin.allSatisfy(\.isNumber) else { throw ConfigurationError(variable: "BANK_BIN", reason: "expected a 6-digit NAPAS BIN") }
        let account = environment.value("BANK_ACCOUNT_NUMBER")
        guard (6...19).contains(account.count), account.allSatisfy(\.isNumber) else {
            throw ConfigurationError(variable: "BANK_ACCOUNT_NUMBER", reason: "expected 6 to 19 digits")
        }
        bank = .init(bin: bin, number: account, name: environment.value("BANK_ACCOUNT_NAME"), contentPrefix: environment.value("TRANSFER_CONTENT_PREFIX"))
        orderNumberPrefix = environment.value("ORDER_NUMBER_PREFIX")
        sepayAPIKey = environment.value("SEPAY_API_KEY")
        cardAPIBaseURL = environment.value("CARD_API_BASE_URL")
        cardSecretKey = environment.value("CARD_SECRET_KEY")
        cardWebhookSecret = environment.value("CARD_WEBHOOK_SECRET")
        cardFeeBasisPoints = Int64(try environment.integer("CARD_FEE_BASIS_POINTS", in: 0...10_000))
        credentialSeal = try SecretSeal(base64: environment.value("CREDENTIALS_KEY"), variable: "CREDENTIALS_KEY")
        paidOrderGrace = .seconds(try environment.integer("PAID_ORDER_GRACE_S", in: 0...86_400))
        idempotencyKeyRetention = .seconds(3600 * (try environment.integer("IDEMPOTENCY_KEY_HOURS", in: 24...24 * 365)))
    }
}
