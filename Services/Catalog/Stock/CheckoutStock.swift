import EventContracts
import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceKit

/// Stock follows checkouts and orders: a submitted checkout is reserved (and its cart, now
/// checked out, closes so the customer starts afresh; a cart no longer active is refused); a closed checkout
/// releases; a settled order commits the sale; a cancelled order releases or restocks.
struct CheckoutStock: EventHandler {
    let reservations: ReservationStore
    let carts: CartStore

    /// Locks, in variant order, the stock every event of a batch will move: the variants a
    /// submission asks for and those reserved for the checkouts being closed, settled or
    /// cancelled. Batches of different partitions then queue for the same variants instead of
    /// deadlocking (each deadlock cost a second's wait and the batch applied again one by one).
    func prepare(batch events: [any EventPayload], on connection: PostgresConnection, logger: Logger) async throws {
        var variants: [UUID] = []
        var checkouts: [CheckoutID] = []
        for event in events {
            switch event {
            case let submitted as CheckoutSubmitted: variants += submitted.lines.map(\.variantId.uuid)
            case let closed as CheckoutClosed: checkouts.append(closed.checkoutId)
            case let settled as OrderSettled: checkouts.append(settled.checkoutId)
            case let cancelled as OrderCancelled: checkouts.append(cancelled.checkoutId)
            default: continue
            }
        }
        try await reservations.lockStock(of: variants, reservedFor: checkouts.map(\.uuid), on: connection, logger: logger)
    }

    var reactions: EventReactions {
        EventReactions()
            .on(CheckoutSubmitted.self) { submitted, context in try await reserve(submitted, context) }
            .on(CheckoutClosed.self) { closed, context in
                let checkout = closed.checkoutId.uuid
                try await reservations.release(checkoutId: checkout, reason: closed.reason, correlationId: context.correlationId,
                                               on: context.connection, logger: context.logger)
                try await carts.reopen(afterCheckout: checkout, correlationId: context.correlationId, on: context.connection, logger: context.logger)
            }
            .on(OrderSettled.self) { settled, context in
                let checkout = settled.checkoutId.uuid
                try await reservations.commit(checkoutId: checkout, orderId: settled.orderId, correlationId: context.correlationId,
                                              on: context.connection, logger: context.logger)
            }
            .on(OrderCancelled.self) { cancelled, context in
                let checkout = cancelled.checkoutId.uuid
                try await reservations.cancel(checkoutId: checkout, reason: cancelled.reason, correlationId: context.correlationId,
                                              on: context.connection, logger: context.logger)
            }
    }

    /// Reserves a submitted checkout's goods. The cart closes first (its row is locked): a
    /// cart that is no longer active reserves nothing, and a refused reservation gives the
    /// cart back.
    private func reserve(_ submitted: CheckoutSubmitted, _ context: EventContext) async throws {
        let (connection, logger, correlation) = (context.connection, context.logger, context.correlationId)
        let checkout = submitted.checkoutId.uuid
        guard let cart = submitted.cartId?.uuid else {
            _ = try await reservations.handleSubmission(submitted, correlationId: correlation, on: connection, logger: logger)
            return
        }
        if case .notActive(let status) = try await carts.checkOut(cart, checkoutId: checkout, on: connection, logger: logger) {
            try await context.outbox.enqueue(InventoryRejected(checkoutId: submitted.checkoutId, shortLines: [], cartProblem: status),
                                             subject: submitted.checkoutId.description, correlationId: correlation, on: connection, logger: logger)
            return
        }
        if try await !reservations.handleSubmission(submitted, correlationId: correlation, on: connection, logger: logger) {
            try await carts.giveBack(cart, fromCheckout: checkout, on: connection, logger: logger)
        }
    }
}
