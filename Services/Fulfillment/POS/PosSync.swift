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
                guard try await accounts.account(on: context.connection, logger: context.logger) != nil else { return }
                let order = settled.orderId.uuid
                try await pushes.queue(order, on: context.connection, logger: context.logger)
            }
            .on(OrderCancelled.self) { cancelled, context in
                let order = cancelled.orderId.uuid
                try await pushes.orderCancelled(order, on: context.connection, logger: context.logger)
            }
    }
}
