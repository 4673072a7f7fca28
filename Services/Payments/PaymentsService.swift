import AsyncHTTPClient
import EventContracts
import Foundation
import Hummingbird
import ServiceKit
import ServiceLifecycle

extension ServiceDefinition {
    /// Payments, provider webhooks, refunds and the merchant ledger.
    ///
    /// Payment providers post their webhooks straight to this service, on a listener of its
    /// own (`WEBHOOK_PORT`) that is exposed to the internet while the internal API is not.
    static let payments = ServiceDefinition(
        name: "payments",
        summary: "Payments, provider webhooks, refunds and the merchant ledger.",
        defaultPort: 8083,
        publishes: Topic.payments,
        consumes: [Topic.checkout, Topic.orders],
        migrations: PaymentsMigrations.all,
        variables: [
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
            EnvironmentVariable("CARD_FEE_BASIS_POINTS", default: "290", help: "The card provider's fee, written to the ledger (2.9%)."),
            EnvironmentVariable("IDEMPOTENCY_KEY_HOURS", default: "24", help: "How long refund Idempotency-Keys are remembered."),
        ],
        build: { environment in
            let parts = try PaymentsParts(environment: environment)
            return ServiceParts(
                routes: { router in
                    PaymentAdminRoutes(book: parts.book, ledger: Ledger(database: environment.database), idempotency: parts.idempotency)
                        .register(on: router)
                },
                handlers: [PaymentSaga(book: parts.book)],
                services: [
                    try WebhookListener.build(environment: environment, serverName: "payments-webhooks") { webhooks in
                        SePayWebhook(book: parts.book, apiKey: environment.value("SEPAY_API_KEY"),
                                     orderPrefix: environment.value("ORDER_NUMBER_PREFIX")).register(on: webhooks)
                        StripeWebhook(book: parts.book, signature: StripeSignature(secret: environment.value("CARD_WEBHOOK_SECRET")))
                            .register(on: webhooks)
                    },
                    PeriodicJob("idempotency-keys", every: .seconds(3600), environment: environment) {
                        try await parts.idempotency.purge(logger: environment.logger)
                    },
                ])
        },
        contract: PaymentsContract.contract
    )
}

/// The payments service's parts, built from its configuration.
struct PaymentsParts: Sendable {
    let client: HTTPClient
    let book: PaymentBook
    let idempotency: IdempotencyKeys

    init(environment: ServiceEnvironment) throws {
        let bin = environment.value("BANK_BIN")
        guard bin.count == 6, bin.allSatisfy(\.isNumber) else { throw ConfigurationError(variable: "BANK_BIN", reason: "expected a 6-digit NAPAS BIN") }
        let account = environment.value("BANK_ACCOUNT_NUMBER")
        guard (6...19).contains(account.count), account.allSatisfy(\.isNumber) else {
            throw ConfigurationError(variable: "BANK_ACCOUNT_NUMBER", reason: "expected 6 to 19 digits")
        }
        client = HTTPClient.shared
        book = PaymentBook(
            database: environment.database, outbox: environment.outbox,
            bank: .init(bin: bin, number: account, name: environment.value("BANK_ACCOUNT_NAME"), contentPrefix: environment.value("TRANSFER_CONTENT_PREFIX")),
            card: CardProvider(client: client, baseURL: environment.value("CARD_API_BASE_URL"), secretKey: environment.value("CARD_SECRET_KEY")),
            cardFeeBasisPoints: Int64(try environment.integer("CARD_FEE_BASIS_POINTS", in: 0...10_000)))
        idempotency = IdempotencyKeys(database: environment.database,
                                      retention: .seconds(3600 * (try environment.integer("IDEMPOTENCY_KEY_HOURS", in: 24...24 * 365))))
    }
}
