import EventContracts
import Foundation
import Hummingbird
import Money

/// An order's payment as staff see it: what is due, what arrived, what was captured and
/// refunded, and the flags that need a person (`overpaid`, `paid_after_cancellation`,
/// `refund_due`).
struct Payment: ResponseEncodable, Sendable {
    var id: PaymentID
    var orderId: OrderID
    var orderNumber: String
    var checkoutId: CheckoutID
    var customerId: CustomerID?
    var method: PaymentMethod
    var status: PaymentStatus
    var amount: Money
    var received: Money
    var captured: Money
    var refunded: Money
    var providerPaymentId: String?
    var instructions: PaymentInstructions
    var orderCancelled: Bool
    var flags: [String]
    var dueBy: Date?
    var createdAt: Date
    var updatedAt: Date
    var events: [ProviderEvent]?
    var refunds: [RefundRecord]?

    static let columns = """
        id, order_id, order_number, checkout_id, customer_id, method, status, currency, amount_minor, received_minor, captured_minor,
        refunded_minor, provider_payment_id, instructions::text, order_cancelled, flags, due_by, created_at, updated_at
        """

    typealias Row = (PaymentID, OrderID, String, CheckoutID, CustomerID?, PaymentMethod, PaymentStatus, String, Int64, Int64, Int64,
                     Int64, String?, String, Bool, [String], Date?, Date, Date)

    init(row: Row) throws {
        let currency = try Currency(stored: row.7)
        id = row.0
        orderId = row.1
        orderNumber = row.2
        checkoutId = row.3
        customerId = row.4
        method = row.5
        status = row.6
        amount = Money(minorUnits: row.8, currency: currency)
        received = Money(minorUnits: row.9, currency: currency)
        captured = Money(minorUnits: row.10, currency: currency)
        refunded = Money(minorUnits: row.11, currency: currency)
        providerPaymentId = row.12
        instructions = try JSONDecoder().decode(PaymentInstructions.self, from: Data(row.13.utf8))
        orderCancelled = row.14
        flags = row.15
        dueBy = row.16
        createdAt = row.17
        updatedAt = row.18
    }

}

/// One provider event received for a payment (the attempt log).
struct ProviderEvent: Codable, Sendable {
    var provider: String
    var eventId: String
    var kind: String
    var amountMinor: Int64?
    var outcome: String
    var receivedAt: Date
}

/// One refund.
struct RefundRecord: ResponseEncodable, Decodable, Sendable {
    var id: RefundID
    var amount: Money
    var channel: String
    var providerRefundId: String?
    var reason: String?
    var actor: String
    var createdAt: Date
}

/// The merchant's balance per currency, derived from the ledger, with its parts.
struct Balance: ResponseEncodable, Sendable {
    struct Line: Codable, Sendable {
        var currency: String
        var captured: Int64
        var refunded: Int64
        var fees: Int64
        var balance: Int64
    }
    var balances: [Line]
}

/// One ledger entry.
struct LedgerEntry: Codable, Sendable {
    var id: Int
    var kind: String
    var amount: Money
    var orderNumber: String?
    var note: String?
    var at: Date
}
