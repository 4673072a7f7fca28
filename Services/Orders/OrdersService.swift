import EventContracts
import ServiceKit

extension ServiceDefinition {
    /// Orders, order numbers, timelines and customer statistics.
    static let orders = ServiceDefinition(
        name: "orders",
        summary: "Orders, order numbers, timelines and customer statistics.",
        defaultPort: 8084,
        publishes: Topic.orders,
        consumes: [Topic.checkout, Topic.payments, Topic.catalog, Topic.fulfillment]
    )
}
