import EventContracts
import Foundation
import ServiceKit

/// Fulfilment's part of the saga: it keeps each placed order's snapshot, makes a shipment
/// when the order is settled (paid, or confirmed for cash on delivery), and cancels the
/// shipments that have not left when the order is cancelled. A verified email makes the guest
/// orders placed with it the customer's (their shipments and downloads follow).
struct ShipmentSaga: EventHandler {
    let book: ShipmentBook

    var eventTypes: Set<String> { [OrderPlaced.eventType, OrderSettled.eventType, OrderCancelled.eventType, EmailVerified.eventType] }

    func handle(_ context: EventContext) async throws {
        let envelope = context.envelope
        let (connection, logger, correlation) = (context.connection, context.logger, envelope.correlationId)
        switch envelope.type {
        case OrderPlaced.eventType:
            try await book.remember(envelope.decodeData(OrderPlaced.self), on: connection, logger: logger)
        case OrderSettled.eventType:
            guard let order = UUID(uuidString: try envelope.decodeData(OrderSettled.self).orderId) else { return }
            try await book.orderSettled(order, correlationId: correlation, on: connection, logger: logger)
        case OrderCancelled.eventType:
            let cancelled = try envelope.decodeData(OrderCancelled.self)
            guard let order = UUID(uuidString: cancelled.orderId) else { return }
            try await book.orderCancelled(order, reason: cancelled.reason, correlationId: correlation, on: connection, logger: logger)
        case EmailVerified.eventType:
            let verified = try envelope.decodeData(EmailVerified.self)
            guard let customer = UUID(uuidString: verified.customerId) else { return }
            try await book.claimGuestOrders(email: verified.email, customer: customer, on: connection, logger: logger)
        default:
            return
        }
    }
}
