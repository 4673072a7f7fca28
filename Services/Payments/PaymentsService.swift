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
        consumes: [Topic.orders, Topic.platform],
        migrations: PaymentsMigrations.all,
        variables: PaymentsSettings.variables,
        build: { environment in
            let settings = try PaymentsSettings(environment)
            let parts = PaymentsParts(settings: settings, environment: environment)
            return ServiceParts(
                controllers: [PaymentDeskController(payments: parts.payments, ledger: LedgerStore(database: environment.database),
                                                    idempotency: parts.idempotency),
                          PaymentAccountsController(accounts: parts.payments.accounts)],
                handlers: [OrderPayments(payments: parts.payments), StoreProvisioning(service: "payments")],
                services: [
                    try WebhookListener.build(environment: environment, serverName: "payments-webhooks") { webhooks in
                        SePayWebhook(payments: parts.payments, orderPrefix: settings.orderNumberPrefix, stores: ServedStores()).register(on: webhooks)
                        StripeWebhook(payments: parts.payments).register(on: webhooks)
                    },
                    PeriodicJob("idempotency-keys", every: .seconds(3600), environment: environment) {
                        try await parts.idempotency.purge(logger: environment.logger)
                    },
                ],
                reconciliations: PaymentReconciliation.checks(payments: parts.payments, grace: settings.paidOrderGrace))
        },
        contract: PaymentsContract.contract
    )
}

/// The payments service's parts, built once from its settings.
struct PaymentsParts: Sendable {
    let payments: PaymentStore
    let idempotency: IdempotencyKeys

    init(settings: PaymentsSettings, environment: ServiceEnvironment) {
        let deployment = PaymentAccounts(
            bank: settings.bank, sepayHeaderDigest: settings.sepayAPIKey.isEmpty ? nil : PaymentAccounts.sepayDigest(ofKey: settings.sepayAPIKey),
            cardSecretKey: settings.cardSecretKey.isEmpty ? nil : settings.cardSecretKey,
            cardWebhookSecret: settings.cardWebhookSecret.isEmpty ? nil : settings.cardWebhookSecret)
        payments = PaymentStore(
            database: environment.database, outbox: environment.outbox,
            accounts: PaymentAccountStore(database: environment.database, deployment: deployment, seal: settings.credentialSeal,
                                          contentPrefix: settings.bank.contentPrefix),
            cardAPI: CardProvider.API(client: HTTPClient.shared, baseURL: settings.cardAPIBaseURL),
            cardFeeBasisPoints: settings.cardFeeBasisPoints)
        idempotency = IdempotencyKeys(database: environment.database, retention: settings.idempotencyKeyRetention)
    }
}
