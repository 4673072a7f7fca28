import EventContracts
import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// The saga's events that move stock: a submitted checkout is reserved (and its cart, now
/// checked out, closes so the customer starts afresh; a cart no longer active is refused); a closed checkout
/// releases; a settled order commits the sale; a cancelled order releases or restocks.
struct ReservationHandler: EventHandler {
    let reservations: Reservations
    let carts: Carts

    var eventTypes: Set<String> {
        [CheckoutSubmitted.eventType, CheckoutClosed.eventType, OrderSettled.eventType, OrderCancelled.eventType]
    }

    /// Locks, in variant order, the stock every event of a batch will move: the variants a
    /// submission asks for and those reserved for the checkouts being closed, settled or
    /// cancelled. Batches of different partitions then queue for the same variants instead of
    /// deadlocking (each deadlock cost a second's wait and the batch applied again one by one).
    func prepare(batch envelopes: [EventEnvelope], on connection: PostgresConnection, logger: Logger) async throws {
        var variants: [UUID] = []
        var checkouts: [String?] = []
        for envelope in envelopes {
            switch envelope.type {
            case CheckoutSubmitted.eventType:
                let lines = (try? envelope.decodeData(CheckoutSubmitted.self))?.lines ?? []
                variants += lines.compactMap { UUID(uuidString: $0.variantId) }
            case CheckoutClosed.eventType: checkouts.append((try? envelope.decodeData(CheckoutClosed.self))?.checkoutId)
            case OrderSettled.eventType: checkouts.append((try? envelope.decodeData(OrderSettled.self))?.checkoutId)
            case OrderCancelled.eventType: checkouts.append((try? envelope.decodeData(OrderCancelled.self))?.checkoutId)
            default: continue
            }
        }
        try await reservations.lockStock(of: variants, reservedFor: checkouts.compactMap { $0.flatMap(UUID.init(uuidString:)) },
                                         on: connection, logger: logger)
    }

    func handle(_ context: EventContext) async throws {
        let envelope = context.envelope
        let correlation = envelope.correlationId
        switch envelope.type {
        case CheckoutSubmitted.eventType:
            let submitted = try envelope.decodeData(CheckoutSubmitted.self)
            let (connection, logger) = (context.connection, context.logger)
            guard let cart = submitted.cartId.flatMap(UUID.init(uuidString:)), let checkout = UUID(uuidString: submitted.checkoutId) else {
                _ = try await reservations.handleSubmission(submitted, correlationId: correlation, on: connection, logger: logger)
                return
            }
            // The cart closes first (its row is locked): a cart that is no longer active
            // reserves nothing, and a refused reservation gives the cart back.
            if case .notActive(let status) = try await carts.checkOut(cart, checkoutId: checkout, on: connection, logger: logger) {
                let subject = checkout.uuidString.lowercased()
                try await context.outbox.enqueue(InventoryRejected(checkoutId: subject, shortLines: [], cartProblem: status),
                                                 subject: subject, correlationId: correlation, on: connection, logger: logger)
                return
            }
            if try await !reservations.handleSubmission(submitted, correlationId: correlation, on: connection, logger: logger) {
                try await carts.giveBack(cart, fromCheckout: checkout, on: connection, logger: logger)
            }
        case CheckoutClosed.eventType:
            let closed = try envelope.decodeData(CheckoutClosed.self)
            guard let checkout = UUID(uuidString: closed.checkoutId) else { return }
            try await reservations.release(checkoutId: checkout, reason: closed.reason, correlationId: correlation,
                                           on: context.connection, logger: context.logger)
            try await carts.reopen(afterCheckout: checkout, correlationId: correlation, on: context.connection, logger: context.logger)
        case OrderSettled.eventType:
            let settled = try envelope.decodeData(OrderSettled.self)
            guard let checkout = UUID(uuidString: settled.checkoutId) else { return }
            try await reservations.commit(checkoutId: checkout, orderId: settled.orderId, correlationId: correlation,
                                          on: context.connection, logger: context.logger)
        case OrderCancelled.eventType:
            let cancelled = try envelope.decodeData(OrderCancelled.self)
            guard let checkout = UUID(uuidString: cancelled.checkoutId) else { return }
            try await reservations.cancel(checkoutId: checkout, reason: cancelled.reason, correlationId: correlation,
                                          on: context.connection, logger: context.logger)
        default:
            return
        }
    }
}
