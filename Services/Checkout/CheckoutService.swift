import EventContracts
import ServiceKit

extension ServiceDefinition {
    /// Checkout sessions, idempotency keys, shipping and tax rules.
    static let checkout = ServiceDefinition(
        name: "checkout",
        summary: "Checkout sessions, idempotency keys, shipping and tax rules.",
        defaultPort: 8082,
        publishes: Topic.checkout,
        consumes: [Topic.catalog, Topic.payments, Topic.orders]
    )
}
