import EventContracts
import Foundation
import Persistence
import ServiceKit

/// The orders service's settings, declared for `--help` and read and checked once at start: a
/// value it cannot use stops the start with a message naming the variable.
struct OrdersSettings: Sendable {
    static let variables = [
        EnvironmentVariable("ORDER_NUMBER_PREFIX", default: "SHOP", help: "First part of order numbers (SHOP-20261122-0042)."),
        EnvironmentVariable("SHOP_TIME_ZONE", default: "Asia/Ho_Chi_Minh", help: "The shop's time zone: order numbers count per shop day."),
        EnvironmentVariable("ORDER_NUMBERS", default: "sequential",
                            help: "How the original store's order numbers are made: sequential (SHOP-20261122-0042) or random (SHOP-7K3M9QXA)."),
    ]

    var orderNumberPrefix: String
    /// The IANA identifier of the shop's time zone.
    var timeZone: String
    var orderNumbers: OrderNumberStyle

    init(_ environment: ServiceEnvironment) throws {
        orderNumberPrefix = environment.value("ORDER_NUMBER_PREFIX")
        guard (1...10).contains(orderNumberPrefix.count), orderNumberPrefix.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }) else {
            throw ConfigurationError(variable: "ORDER_NUMBER_PREFIX", reason: "expected 1 to 10 upper-case letters or digits")
        }
        guard let style = OrderNumberStyle(rawValue: environment.value("ORDER_NUMBERS")) else {
            throw ConfigurationError(variable: "ORDER_NUMBERS", reason: "expected sequential or random")
        }
        orderNumbers = style
        timeZone = environment.value("SHOP_TIME_ZONE")
        guard TimeZone(identifier: timeZone) != nil else {
            throw ConfigurationError(variable: "SHOP_TIME_ZONE", reason: "expected an IANA time zone such as Asia/Ho_Chi_Minh")
        }
    }
}
