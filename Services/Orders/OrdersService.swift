import Foundation
import EventContracts
import ServiceKit

extension ServiceDefinition {
    /// Orders, order numbers, timelines and customer statistics.
    static let orders = ServiceDefinition(
        name: "orders",
        summary: "Orders, order numbers, timelines and customer statistics.",
        defaultPort: 8084,
        publishes: Topic.orders,
        consumes: [Topic.checkout, Topic.payments, Topic.catalog, Topic.fulfillment, Topic.identity],
        migrations: OrdersMigrations.all,
        variables: OrdersSettings.variables,
        build: { environment in
            let settings = try OrdersSettings(environment)
            let book = OrderStore(database: environment.database, outbox: environment.outbox,
                                 numbers: OrderNumber(prefix: settings.orderNumberPrefix, timeZone: settings.timeZone))
            return ServiceParts(
                routes: { router in
                    OrderRoutes(book: book).register(on: router)
                    OrderAdminRoutes(book: book).register(on: router)
                },
                handlers: [CheckoutOutcomes(book: book), PaymentOutcomes(book: book), ShipmentProgress(book: book), GuestOrderClaim(book: book)])
        },
        contract: OrdersContract.contract
    )
}
