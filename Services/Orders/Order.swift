import EventContracts
import Foundation
import Hummingbird
import Money

/// An order as its owner and staff see it: the snapshot taken at placement, where it is, how
/// its payment stands, and (in detail views) its timeline.
struct Order: ResponseEncodable, Sendable {
    var id: OrderID
    var number: String
    var status: OrderStatus
    var paymentStatus: String
    var paymentMethod: PaymentMethod
    var customerId: CustomerID?
    var contact: ContactDetails
    var shippingAddress: ShippingAddress
    /// Where the invoice goes: the shipping address unless the buyer gave another.
    var billingAddress: ShippingAddress
    var customerNote: String?
    var lines: [PricedLine]
    var price: PriceBreakdown
    var refunded: Money
    var voucherCode: String?
    var cancelReason: String?
    var createdAt: Date
    var updatedAt: Date
    var timeline: [TimelineEntry]?
    /// The checkout page it was bought on, and the buyer's answers to its custom fields.
    var page: PageReference?
    var answers: [FieldAnswer]?

    var checkoutId: CheckoutID
    enum CodingKeys: String, CodingKey {
        case id, number, status, paymentStatus, paymentMethod, customerId, contact, shippingAddress, lines, price, refunded
        case voucherCode, cancelReason, createdAt, updatedAt, timeline, page, answers, billingAddress, customerNote
    }

    static let columns = """
        id, number, status, payment_status, payment_method, customer_id, contact::text, shipping_address::text, lines::text, price::text,
        currency, refunded_minor, voucher_code, cancel_reason, created_at, updated_at, checkout_id, page::text, answers::text,
        billing_address::text, customer_note
        """

    typealias Row = (UUID, String, String, String, PaymentMethod, UUID?, String, String, String, String,
                     String, Int64, String?, String?, Date, Date, UUID, String?, String?, String?, String?)

    init(row: Row) throws {
        let decoder = JSONDecoder()
        id = OrderID(row.0)
        number = row.1
        status = OrderStatus(rawValue: row.2) ?? .pendingPayment
        paymentStatus = row.3
        paymentMethod = row.4
        customerId = row.5.map(CustomerID.init)
        contact = try decoder.decode(ContactDetails.self, from: Data(row.6.utf8))
        shippingAddress = try decoder.decode(ShippingAddress.self, from: Data(row.7.utf8))
        lines = try decoder.decode([PricedLine].self, from: Data(row.8.utf8))
        price = try decoder.decode(PriceBreakdown.self, from: Data(row.9.utf8))
        refunded = Money(minorUnits: row.11, currency: try Currency(stored: row.10))
        voucherCode = row.12
        cancelReason = row.13
        createdAt = row.14
        updatedAt = row.15
        checkoutId = CheckoutID(row.16)
        page = try row.17.map { try decoder.decode(PageReference.self, from: Data($0.utf8)) }
        answers = try row.18.map { try decoder.decode([FieldAnswer].self, from: Data($0.utf8)) }
        billingAddress = try row.19.map { try decoder.decode(ShippingAddress.self, from: Data($0.utf8)) } ?? shippingAddress
        customerNote = row.20
    }
}

/// One thing that happened to an order, and who or what caused it (`customer`, `staff:<id>`,
/// `payments`, `checkout`).
struct TimelineEntry: Codable, Sendable {
    var at: Date
    var kind: String
    var from: String?
    var to: String?
    var actor: String
    var note: String?
}

/// A customer's running figures, per currency.
struct CustomerStats: ResponseEncodable, Sendable {
    var customerId: String
    var orderCount: Int
    var lifetimeSpend: [Money]
    var lastOrderAt: Date?
}
