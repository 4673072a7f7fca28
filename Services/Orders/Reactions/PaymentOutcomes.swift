import EventContracts
import Foundation
import Messaging
import Money
import ServiceKit

/// Orders follow their payments: paid when the money arrives, cancelled when no payment can
/// be opened, refund moves as payments reports them. Money that comes for a cancelled order
/// is written on the timeline and the order flagged `refund_due`, never dropped.
struct PaymentOutcomes: EventHandler {
    let orders: OrderStore

    var reactions: EventReactions {
        EventReactions()
            .on(PaymentSucceeded.self) { paid, context in try await settle(paid, context) }
            .on(PaymentUnderpaid.self) { short, context in
                let id = short.orderId.uuid
                try await orders.paymentNote(id, paymentStatus: "underpaid",
                                           note: "Received \(short.received) of \(short.expected); the order stays unpaid",
                                           actor: "payments", on: context.connection, logger: context.logger)
            }
            .on(PaymentFailed.self) { failed, context in try await noteFailure(failed, context) }
            .on(RefundSucceeded.self) { refund, context in try await applyRefund(refund, context) }
    }

    private func settle(_ paid: PaymentSucceeded, _ context: EventContext) async throws {
        let (connection, logger) = (context.connection, context.logger)
        let id = paid.orderId.uuid
        guard let order = try await orders.find(id, lock: true, on: connection, logger: logger) else { return }
        let overpaid = paid.overpaid.map { "; \($0) more than due arrived and is flagged for staff" } ?? ""
        if paid.afterCancellation || order.status == .cancelled {
            try await orders.paymentNote(id, paymentStatus: "refund_due",
                                       note: "\(paid.amount) arrived after the order was cancelled; flagged for refund", actor: "payments",
                                       on: connection, logger: logger)
        } else if paid.method == .cod {
            try await orders.paymentNote(id, paymentStatus: "paid", note: "Cash \(paid.amount) collected on delivery", actor: "payments",
                                       on: connection, logger: logger)
            try await orders.addSpend(paid.amount, customer: order.customerId, on: connection, logger: logger)
        } else if try await orders.move(id, to: .paid, actor: "payments", note: "Paid \(paid.amount) by \(paid.method)\(overpaid)",
                                      paymentStatus: "paid", correlationId: context.correlationId, on: connection, logger: logger) != nil {
            try await orders.addSpend(paid.amount, customer: order.customerId, on: connection, logger: logger)
        }
    }

    private func noteFailure(_ failed: PaymentFailed, _ context: EventContext) async throws {
        let id = failed.orderId.uuid
        try await orders.paymentNote(id, paymentStatus: nil, note: "Payment attempt failed: \(failed.reason)", actor: "payments",
                                   on: context.connection, logger: context.logger)
        if failed.final {
            try await orders.move(id, to: .cancelled, actor: "payments", note: "No payment could be opened", cancelReason: "payment_failed",
                                correlationId: context.correlationId, on: context.connection, logger: context.logger)
        }
    }

    private func applyRefund(_ refund: RefundSucceeded, _ context: EventContext) async throws {
        let (connection, logger) = (context.connection, context.logger)
        let id = refund.orderId.uuid
        guard let order = try await orders.find(id, lock: true, on: connection, logger: logger) else { return }
        let full = refund.refundedTotal.minorUnits >= refund.captured.minorUnits
        let target: OrderStatus = full ? .refunded : .partiallyRefunded
        try await orders.recordRefunded(refund.refundedTotal, order: id, on: connection, logger: logger)
        let note = "Refunded \(refund.amount) (\(refund.channel)); \(refund.refundedTotal) of \(refund.captured) in all"
        let moved = order.status == .cancelled ? nil
            : try await orders.move(id, to: target, actor: "payments", note: note, paymentStatus: target.rawValue,
                                  correlationId: context.correlationId, on: connection, logger: logger)
        if moved == nil {
            try await orders.paymentNote(id, paymentStatus: target.rawValue, note: note, actor: "payments", on: connection, logger: logger)
        }
        try await orders.addSpend(Money(minorUnits: -refund.amount.minorUnits, currency: refund.amount.currency), customer: order.customerId,
                                on: connection, logger: logger)
    }
}
