import EventContracts
import Foundation
import Logging
import Money
import PostgresNIO
import ServiceKit

/// Orders' part of the saga: an order for each placed checkout; paid when its money arrives,
/// cancelled when its checkout expires, is abandoned or its payment fails for good; refund
/// moves as payments reports them. Money that comes for a cancelled order is written on the
/// timeline and the order flagged `refund_due`, never dropped.
struct OrderSaga: EventHandler {
    let book: OrderBook

    var eventTypes: Set<String> {
        [CheckoutPlaced.eventType, CheckoutClosed.eventType, PaymentSucceeded.eventType, PaymentUnderpaid.eventType,
         PaymentFailed.eventType, RefundSucceeded.eventType]
    }

    func handle(_ context: EventContext) async throws {
        let envelope = context.envelope
        let (connection, logger, correlation) = (context.connection, context.logger, envelope.correlationId)
        switch envelope.type {
        case CheckoutPlaced.eventType:
            try await book.place(envelope.decodeData(CheckoutPlaced.self), correlationId: correlation, on: connection, logger: logger)

        case CheckoutClosed.eventType:
            let closed = try envelope.decodeData(CheckoutClosed.self)
            guard let checkout = UUID(uuidString: closed.checkoutId),
                  let order = try await orderId(checkout: checkout, on: connection, logger: logger) else { return }
            let reason = ["expired": "payment_timeout", "abandoned": "customer_abandoned"][closed.reason] ?? closed.reason
            try await book.move(order, to: .cancelled, actor: "checkout", note: "Checkout closed: \(reason)", cancelReason: reason,
                                correlationId: correlation, on: connection, logger: logger)

        case PaymentSucceeded.eventType:
            let paid = try envelope.decodeData(PaymentSucceeded.self)
            guard let id = UUID(uuidString: paid.orderId), let order = try await book.find(id, lock: true, on: connection, logger: logger) else { return }
            let overpaid = paid.overpaid.map { "; \($0) more than due arrived and is flagged for staff" } ?? ""
            if paid.afterCancellation || order.status == .cancelled {
                try await book.paymentNote(id, paymentStatus: "refund_due",
                                           note: "\(paid.amount) arrived after the order was cancelled; flagged for refund", actor: "payments",
                                           on: connection, logger: logger)
            } else if paid.method == .cod {
                try await book.paymentNote(id, paymentStatus: "paid", note: "Cash \(paid.amount) collected on delivery", actor: "payments",
                                           on: connection, logger: logger)
                try await book.addSpend(paid.amount, customer: order.customerId, on: connection, logger: logger)
            } else if try await book.move(id, to: .paid, actor: "payments", note: "Paid \(paid.amount) by \(paid.method)\(overpaid)",
                                          paymentStatus: "paid", correlationId: correlation, on: connection, logger: logger) != nil {
                try await book.addSpend(paid.amount, customer: order.customerId, on: connection, logger: logger)
            }

        case PaymentUnderpaid.eventType:
            let short = try envelope.decodeData(PaymentUnderpaid.self)
            guard let id = UUID(uuidString: short.orderId) else { return }
            try await book.paymentNote(id, paymentStatus: "underpaid",
                                       note: "Received \(short.received) of \(short.expected); the order stays unpaid", actor: "payments",
                                       on: connection, logger: logger)

        case PaymentFailed.eventType:
            let failed = try envelope.decodeData(PaymentFailed.self)
            guard let id = UUID(uuidString: failed.orderId) else { return }
            try await book.paymentNote(id, paymentStatus: nil, note: "Payment attempt failed: \(failed.reason)", actor: "payments",
                                       on: connection, logger: logger)
            if failed.final {
                try await book.move(id, to: .cancelled, actor: "payments", note: "No payment could be opened", cancelReason: "payment_failed",
                                    correlationId: correlation, on: connection, logger: logger)
            }

        case RefundSucceeded.eventType:
            let refund = try envelope.decodeData(RefundSucceeded.self)
            guard let id = UUID(uuidString: refund.orderId), let order = try await book.find(id, lock: true, on: connection, logger: logger) else { return }
            let full = refund.refundedTotal.minorUnits >= refund.captured.minorUnits
            let target: OrderStatus = full ? .refunded : .partiallyRefunded
            try await connection.query("UPDATE orders SET refunded_minor = \(refund.refundedTotal.minorUnits) WHERE id = \(id)", logger: logger)
            let note = "Refunded \(refund.amount) (\(refund.channel)); \(refund.refundedTotal) of \(refund.captured) in all"
            let moved = order.status == .cancelled ? nil
                : try await book.move(id, to: target, actor: "payments", note: note, paymentStatus: target.rawValue,
                                      correlationId: correlation, on: connection, logger: logger)
            if moved == nil {
                try await book.paymentNote(id, paymentStatus: target.rawValue, note: note, actor: "payments", on: connection, logger: logger)
            }
            try await book.addSpend(Money(minorUnits: -refund.amount.minorUnits, currency: refund.amount.currency), customer: order.customerId,
                                    on: connection, logger: logger)

        default:
            return
        }
    }

    private func orderId(checkout: UUID, on connection: PostgresConnection, logger: Logger) async throws -> UUID? {
        let rows = try await connection.query("SELECT id FROM orders WHERE checkout_id = \(checkout)", logger: logger)
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }
}
