import EventContracts
import ServiceKit

extension ServiceDefinition {
    /// Products, stock and reservations, carts and vouchers.
    static let catalog = ServiceDefinition(
        name: "catalog",
        summary: "Products, stock and reservations, carts and vouchers.",
        defaultPort: 8081,
        publishes: Topic.catalog,
        consumes: [Topic.checkout, Topic.orders, Topic.fulfillment]
    )
}
