import EventContracts
import Foundation
import Messaging
import ServiceKit

/// Payments follow their orders: a payment opens for each placed order, closes when the order
/// is cancelled, a cash-on-delivery order's cash is collected when it is delivered, and an
/// order said to be paid is noted for reconciliation.
struct OrderPayments: EventHandler {
    let payments: PaymentStore

    var reactions: EventReactions {
        EventReactions()
            .on(OrderPlaced.self) { placed, context in
                try await payments.open(placed, correlationId: context.correlationId, on: context.connection, logger: context.logger)
            }
            .on(OrderCancelled.self) { cancelled, context in
                let order = cancelled.orderId.uuid
                try await payments.orderCancelled(orderId: order, reason: cancelled.reason, on: context.connection, logger: context.logger)
            }
            .on(OrderSettled.self, when: { $0.status == "paid" }) { settled, context in
                try await payments.notePaid(settled, on: context.connection, logger: context.logger)
            }
            .on(OrderStatusChanged.self, when: { $0.to == "delivered" && $0.paymentMethod == .cod }) { change, context in
                let order = change.orderId.uuid
                try await payments.collectOnDelivery(order: order, correlationId: context.correlationId, on: context.connection,
                                                 logger: context.logger)
            }
    }
}
