import EventContracts
import Foundation
import Messaging
import ServiceKit

/// Shipments follow their orders: fulfilment keeps each placed order's snapshot, makes a
/// shipment when the order is settled (paid, or confirmed for cash on delivery), and cancels
/// the shipments that have not left when the order is cancelled. A verified email makes the
/// guest orders placed with it the customer's (their shipments and downloads follow).
struct ShipmentPlanning: EventHandler {
    let shipments: ShipmentStore

    var reactions: EventReactions {
        EventReactions()
            .on(OrderPlaced.self) { placed, context in try await shipments.remember(placed, on: context.connection, logger: context.logger) }
            .on(OrderSettled.self) { settled, context in
                let order = settled.orderId.uuid
                try await shipments.orderSettled(order, correlationId: context.correlationId, on: context.connection, logger: context.logger)
            }
            .on(OrderCancelled.self) { cancelled, context in
                let order = cancelled.orderId.uuid
                try await shipments.orderCancelled(order, reason: cancelled.reason, correlationId: context.correlationId,
                                              on: context.connection, logger: context.logger)
            }
            .on(EmailVerified.self) { verified, context in
                let customer = verified.customerId.uuid
                try await shipments.claimGuestOrders(email: verified.email, customer: customer, on: context.connection, logger: context.logger)
            }
    }
}
