import EventContracts
import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceKit

/// Orders follow their checkouts: an order for each placed checkout, cancelled when its
/// checkout closes unpaid (the payment window passed, or the customer abandoned it).
struct CheckoutOutcomes: EventHandler {
    let orders: OrderStore

    var reactions: EventReactions {
        EventReactions()
            .on(CheckoutPlaced.self) { placed, context in
                try await orders.place(placed, correlationId: context.correlationId, on: context.connection, logger: context.logger)
            }
            .on(CheckoutClosed.self) { closed, context in try await cancel(closed, context) }
    }

    private func cancel(_ closed: CheckoutClosed, _ context: EventContext) async throws {
        guard let order = try await orders.orderId(checkout: closed.checkoutId.uuid, on: context.connection, logger: context.logger) else { return }
        let reason = ["expired": "payment_timeout", "abandoned": "customer_abandoned"][closed.reason] ?? closed.reason
        try await orders.move(order, to: .cancelled, actor: "checkout", note: "Checkout closed: \(reason)", cancelReason: reason,
                            correlationId: context.correlationId, on: context.connection, logger: context.logger)
    }
}
