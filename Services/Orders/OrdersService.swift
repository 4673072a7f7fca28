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
        variables: [
            EnvironmentVariable("ORDER_NUMBER_PREFIX", default: "SHOP", help: "First part of order numbers (SHOP-20261122-0042)."),
            EnvironmentVariable("SHOP_TIME_ZONE", default: "Asia/Ho_Chi_Minh", help: "The shop's time zone: order numbers count per shop day."),
        ],
        build: { environment in
            let book = try OrdersParts.book(environment)
            return ServiceParts(
                routes: { router in
                    OrderRoutes(book: book).register(on: router)
                    OrderAdminRoutes(book: book).register(on: router)
                },
                handlers: [OrderSaga(book: book), ShipmentProgress(book: book), GuestOrderClaim(book: book)])
        },
        contract: OrdersContract.contract
    )
}

enum OrdersParts {
    static func book(_ environment: ServiceEnvironment) throws -> OrderBook {
        let prefix = environment.value("ORDER_NUMBER_PREFIX")
        guard (1...10).contains(prefix.count), prefix.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }) else {
            throw ConfigurationError(variable: "ORDER_NUMBER_PREFIX", reason: "expected 1 to 10 upper-case letters or digits")
        }
        guard TimeZone(identifier: environment.value("SHOP_TIME_ZONE")) != nil else {
            throw ConfigurationError(variable: "SHOP_TIME_ZONE", reason: "expected an IANA time zone such as Asia/Ho_Chi_Minh")
        }
        return OrderBook(database: environment.database, outbox: environment.outbox,
                         numbers: OrderNumber(prefix: prefix, timeZone: environment.value("SHOP_TIME_ZONE")))
    }
}
