import Foundation

/// An order was paid (card or bank transfer) or confirmed (cash on delivery): the goods are
/// sold. Catalog turns the checkout's reservation into a sale. Keyed by the order id.
public struct OrderSettled: EventPayload, Equatable {
    public static let eventType = "shop.orders.order.settled.v1"

    public var orderId: String
    public var orderNumber: String
    public var checkoutId: String
    /// `paid` or `confirmed`.
    public var status: String

    public init(orderId: String, orderNumber: String, checkoutId: String, status: String) {
        self.orderId = orderId
        self.orderNumber = orderNumber
        self.checkoutId = checkoutId
        self.status = status
    }
}

/// An order was cancelled: catalog releases its reservation, or puts sold goods back in stock
/// when the order had been settled. Keyed by the order id.
public struct OrderCancelled: EventPayload, Equatable {
    public static let eventType = "shop.orders.order.cancelled.v1"

    public var orderId: String
    public var orderNumber: String
    public var checkoutId: String
    /// `payment_timeout`, `customer`, `staff`, …
    public var reason: String

    public init(orderId: String, orderNumber: String, checkoutId: String, reason: String) {
        self.orderId = orderId
        self.orderNumber = orderNumber
        self.checkoutId = checkoutId
        self.reason = reason
    }
}
