import Foundation
import Money

/// An order was paid (card or bank transfer) or confirmed (cash on delivery): the goods are
/// sold. Catalog turns the checkout's reservation into a sale. Keyed by the order id.
public struct OrderSettled: EventPayload, Equatable {
    public static let eventType = "shop.orders.order.settled.v1"

    public var orderId: OrderID
    public var orderNumber: String
    public var checkoutId: CheckoutID
    /// `paid` or `confirmed`.
    public var status: String

    public init(orderId: OrderID, orderNumber: String, checkoutId: CheckoutID, status: String) {
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

    public var orderId: OrderID
    public var orderNumber: String
    public var checkoutId: CheckoutID
    /// `payment_timeout`, `customer`, `staff`, …
    public var reason: String

    public init(orderId: OrderID, orderNumber: String, checkoutId: CheckoutID, reason: String) {
        self.orderId = orderId
        self.orderNumber = orderNumber
        self.checkoutId = checkoutId
        self.reason = reason
    }
}

/// An order exists with its number: `pending_payment` (bank transfer, card) or `confirmed`
/// (cash on delivery). Payments opens its payment from this. Keyed by the order id.
public struct OrderPlaced: EventPayload, Equatable {
    public static let eventType = "shop.orders.order.placed.v1"

    public var orderId: OrderID
    public var orderNumber: String
    public var checkoutId: CheckoutID
    public var customerId: CustomerID?
    public var email: String
    public var paymentMethod: PaymentMethod
    public var total: Money
    public var status: String
    public var paymentDueBy: Date?
    /// The order's snapshot, for fulfilment (added in a compatible way: older events lack it).
    public var lines: [PricedLine]?
    public var contact: ContactDetails?
    public var shippingAddress: ShippingAddress?
    /// The checkout page it was bought on, and the buyer's answers to its custom fields.
    public var page: PageReference?
    public var answers: [FieldAnswer]?
    /// Where the invoice goes (the shipping address when the buyer gave none), and the buyer's note.
    public var billingAddress: ShippingAddress?
    public var customerNote: String?

    public init(orderId: OrderID, orderNumber: String, checkoutId: CheckoutID, customerId: CustomerID?, email: String,
                paymentMethod: PaymentMethod, total: Money, status: String, paymentDueBy: Date?,
                lines: [PricedLine]? = nil, contact: ContactDetails? = nil, shippingAddress: ShippingAddress? = nil,
                page: PageReference? = nil, answers: [FieldAnswer]? = nil, billingAddress: ShippingAddress? = nil, customerNote: String? = nil) {
        self.page = page
        self.answers = answers
        self.billingAddress = billingAddress
        self.customerNote = customerNote
        self.lines = lines
        self.contact = contact
        self.shippingAddress = shippingAddress
        self.orderId = orderId
        self.orderNumber = orderNumber
        self.checkoutId = checkoutId
        self.customerId = customerId
        self.email = email
        self.paymentMethod = paymentMethod
        self.total = total
        self.status = status
        self.paymentDueBy = paymentDueBy
    }
}

/// Any change of an order's status, with what caused it (`payment`, `staff:<id>`,
/// `customer`, `system`). Keyed by the order id.
public struct OrderStatusChanged: EventPayload, Equatable {
    public static let eventType = "shop.orders.order.status_changed.v1"

    public var orderId: OrderID
    public var orderNumber: String
    public var checkoutId: CheckoutID
    public var from: String
    public var to: String
    public var actor: String
    public var paymentMethod: PaymentMethod

    public init(orderId: OrderID, orderNumber: String, checkoutId: CheckoutID, from: String, to: String, actor: String, paymentMethod: PaymentMethod) {
        self.orderId = orderId
        self.orderNumber = orderNumber
        self.checkoutId = checkoutId
        self.from = from
        self.to = to
        self.actor = actor
        self.paymentMethod = paymentMethod
    }
}
