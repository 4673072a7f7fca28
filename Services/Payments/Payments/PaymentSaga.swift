import EventContracts
import Foundation
import ServiceKit

/// Payments' part of the saga: a payment for each placed order, closed when the order is
/// cancelled, and cash collected when a cash-on-delivery order is delivered.
struct PaymentSaga: EventHandler {
    let book: PaymentBook

    var eventTypes: Set<String> { [OrderPlaced.eventType, OrderCancelled.eventType, OrderStatusChanged.eventType] }

    func handle(_ context: EventContext) async throws {
        let envelope = context.envelope
        let (connection, logger, correlation) = (context.connection, context.logger, envelope.correlationId)
        switch envelope.type {
        case OrderPlaced.eventType:
            try await book.open(envelope.decodeData(OrderPlaced.self), correlationId: correlation, on: connection, logger: logger)
        case OrderCancelled.eventType:
            let cancelled = try envelope.decodeData(OrderCancelled.self)
            guard let order = UUID(uuidString: cancelled.orderId) else { return }
            try await book.orderCancelled(orderId: order, reason: cancelled.reason, on: connection, logger: logger)
        case OrderStatusChanged.eventType:
            let change = try envelope.decodeData(OrderStatusChanged.self)
            guard change.to == "delivered", change.paymentMethod == .cod, let order = UUID(uuidString: change.orderId),
                  let payment = try await book.find(order: order, on: connection, logger: logger), payment.status == "collect_on_delivery" else { return }
            let event = PaymentBook.ProviderEventRecord(provider: "cod", eventId: "delivered:\(change.orderId)", kind: "cash_collected",
                                                        amount: payment.amount.minorUnits, payload: "{}")
            guard try await book.record(event, payment: payment.paymentUUID, outcome: "collected", on: connection, logger: logger) else { return }
            try await book.settle(payment.paymentUUID, arrived: payment.amount.minorUnits, source: "cash collected on delivery",
                                  correlationId: correlation, on: connection, logger: logger)
        default:
            return
        }
    }
}
