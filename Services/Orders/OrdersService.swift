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
        consumes: [Topic.checkout, Topic.payments, Topic.fulfillment, Topic.identity, Topic.platform],
        migrations: OrdersMigrations.all,
        variables: OrdersSettings.variables,
        build: { environment in
            let settings = try OrdersSettings(environment)
            let orders = OrderStore(database: environment.database, outbox: environment.outbox,
                                    numbers: OrderNumber(prefix: settings.orderNumberPrefix, timeZone: settings.timeZone,
                                                         style: settings.orderNumbers))
            return ServiceParts(
                controllers: [MyOrdersController(orders: orders), GuestOrderLookupController(orders: orders), OrderDeskController(orders: orders),
                              SalesFiguresController(orders: orders), PlatformFiguresController(orders: orders)],
                handlers: [CheckoutOutcomes(orders: orders), PaymentOutcomes(orders: orders), ShipmentProgress(orders: orders),
                           GuestOrderClaim(orders: orders),
                           StoreProvisioning(service: "orders") { created, context in
                               // The store's order-number sequence, made once here rather than
                               // by two first orders at once.
                               try await context.connection.query("SELECT order_sequence(\(created.storeId.uuid))::text", logger: context.logger)
                           }])
        },
        contract: OrdersContract.contract
    )
}
