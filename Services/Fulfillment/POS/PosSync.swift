import EventContracts
import Foundation
import Messaging
import ServiceKit

/// Queues each settled order for the POS and calls off the push of a cancelled one (or has it
/// withdrawn at the POS when it got there first). Runs
/// after ``ShipmentPlanning`` in the same transaction, which has recorded the order.
///
/// Only a store connected to the POS (``PosAccount``) has its orders queued; a cancellation
/// is followed whether or not the store is still connected, so a queued push is called off.
struct PosSync: EventHandler {
    let pushes: PosPushStore
    let accounts: PosAccountStore

    var reactions: EventReactions {
        EventReactions()
            .on(OrderSettled.self) { settled, context in
                guard try await isConnected(context) else { return }
                let order = settled.orderId.uuid
                try await pushes.queue(order, on: context.connection, logger: context.logger)
            }
            .on(OrderCancelled.self) { cancelled, context in
                let order = cancelled.orderId.uuid
                try await pushes.orderCancelled(order, on: context.connection, logger: context.logger)
            }
    }

    /// Whether the event's store is connected to the POS. An account that cannot be read (its
    /// secrets sealed under another `CREDENTIALS_KEY`) counts as connected: the push is
    /// queued and fails where staff see it, instead of holding up the order's fulfilment.
    private func isConnected(_ context: EventContext) async throws -> Bool {
        do {
            return try await accounts.account(on: context.connection, logger: context.logger) != nil
        } catch let error as PosAccountStore.Unreadable {
            context.logger.error("the store's POS account cannot be read", metadata: ["error": "\(error)"])
            return true
        }
    }
}
