import EventContracts
import Hummingbird
import ServiceKit

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
        variables: [
            EnvironmentVariable("WEBHOOK_HOST", default: "127.0.0.1", help: "Address of the payment providers' webhook listener."),
            EnvironmentVariable("WEBHOOK_PORT", default: "8090", help: "Port of the payment providers' webhook listener."),
        ],
        setUp: { _, environment in
            [try WebhookListener.build(environment: environment)]
        }
    )
}
