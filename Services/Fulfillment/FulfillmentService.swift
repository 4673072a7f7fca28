import EventContracts
import ServiceKit

extension ServiceDefinition {
    /// Shipments, POS sync, digital downloads and customer notifications.
    static let fulfillment = ServiceDefinition(
        name: "fulfillment",
        summary: "Shipments, POS sync, digital downloads and customer notifications.",
        defaultPort: 8085,
        publishes: Topic.fulfillment,
        consumes: [Topic.orders, Topic.payments, Topic.identity, Topic.catalog],
        migrations: FulfillmentMigrations.all,
        setUp: { router, environment in
            ShipmentRoutes(book: ShipmentBook(database: environment.database, outbox: environment.outbox)).register(on: router)
            return []
        },
        handlers: { environment in
            [ShipmentSaga(book: ShipmentBook(database: environment.database, outbox: environment.outbox))]
        },
        contract: FulfillmentContract.contract
    )
}
