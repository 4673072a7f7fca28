import EventContracts
import Foundation
import Hummingbird
import Money

/// A checkout session as its owner sees it: where it is, what it costs, the order it made
/// and how to pay.
struct CheckoutSession: ResponseEncodable, Sendable {
    var id: String
    var status: CheckoutStatus
    /// The cart checked out; nil for a checkout without one (Buy Now, a checkout page).
    var cartId: String?
    var paymentMethod: PaymentMethod
    var contact: ContactDetails
    var shippingAddress: ShippingAddress
    /// Where the invoice goes, when not where the goods go.
    var billingAddress: ShippingAddress?
    var customerNote: String?
    var voucherCode: String?
    var currency: String
    var lines: [PricedLine]?
    var price: PriceBreakdown?
    /// When rejected: the lines the shop cannot supply and how many it has.
    var shortLines: [ShortLine]?
    /// Why the checkout did not go through (`out_of_stock`, `voucher:used_up`, `payment_timeout`, …).
    var problem: String?
    var orderId: String?
    var orderNumber: String?
    var payment: PaymentInstructions?
    var paymentDueBy: Date?
    var createdAt: Date
    var updatedAt: Date

    /// The checkout page it was started on, and the buyer's answers to its questions.
    var page: PageReference?
    var answers: [FieldAnswer]?

    /// Owner columns kept out of the answer.
    var customerId: UUID?
    var guestTokenDigest: String?
    var accessTokenDigest: String?

    enum CodingKeys: String, CodingKey {
        case id, status, cartId, paymentMethod, contact, shippingAddress, voucherCode, currency, lines, price, shortLines, problem
        case orderId, orderNumber, payment, paymentDueBy, createdAt, updatedAt, page, answers, billingAddress, customerNote
    }

    static let columns = """
        id, status, cart_id, payment_method, contact::text, shipping_address::text, voucher_code, currency, lines::text, price::text,
        short_lines::text, problem, order_id, order_number, payment::text, payment_due_by, created_at, updated_at, customer_id, guest_token_digest,
        access_token_digest, page::text, answers::text, billing_address::text, customer_note
        """

    typealias Row = (UUID, String, UUID?, PaymentMethod, String, String, String?, String, String?, String?,
                     String?, String?, UUID?, String?, String?, Date?, Date, Date, UUID?, String?, String?, String?, String?, String?, String?)

    /// A tag that changes with every write of the checkout (each sets `updated_at`), sent as
    /// `ETag`: a client that sends it back in `If-None-Match` with `Prefer: wait` is answered
    /// when the checkout changed, or 304 when it did not within the wait.
    var entityTag: String { "\"\(status.rawValue).\(Int64((updatedAt.timeIntervalSince1970 * 1_000_000).rounded()))\"" }

    init(row: Row) throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        func json<T: Decodable>(_ type: T.Type, _ text: String?) throws -> T? {
            try text.map { try decoder.decode(T.self, from: Data($0.utf8)) }
        }
        id = row.0.uuidString.lowercased()
        status = CheckoutStatus(rawValue: row.1) ?? .open
        cartId = row.2?.uuidString.lowercased()
        paymentMethod = row.3
        contact = try decoder.decode(ContactDetails.self, from: Data(row.4.utf8))
        shippingAddress = try decoder.decode(ShippingAddress.self, from: Data(row.5.utf8))
        voucherCode = row.6
        currency = row.7
        lines = try json([PricedLine].self, row.8)
        price = try json(PriceBreakdown.self, row.9)
        shortLines = try json([ShortLine].self, row.10)
        problem = row.11
        orderId = row.12?.uuidString.lowercased()
        orderNumber = row.13
        payment = try json(PaymentInstructions.self, row.14)
        paymentDueBy = row.15
        createdAt = row.16
        updatedAt = row.17
        customerId = row.18
        guestTokenDigest = row.19
        accessTokenDigest = row.20
        page = try json(PageReference.self, row.21)
        answers = try json([FieldAnswer].self, row.22)
        billingAddress = try json(ShippingAddress.self, row.23)
        customerNote = row.24
    }
}
