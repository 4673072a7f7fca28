import EventContracts
import Foundation
import Messaging
import ServiceKit

/// Queues each settled order for the POS and calls off the push of a cancelled one (or has it
/// withdrawn at the POS when it got there first). Runs
/// after ``ShipmentPlanning`` in the same transaction, which has recorded the order.
///
/// The POS connection is the deployment's (`POS_BASE_URL`), so it serves the original store's
/// orders only until stores keep POS credentials of their own.
struct PosSync: EventHandler {
    let pushes: PosPushStore

    var reactions: EventReactions {
        EventReactions()
            .on(OrderSettled.self) { settled, context in
                guard context.storeId == .original else { return }
                let order = settled.orderId.uuid
                try await pushes.queue(order, on: context.connection, logger: context.logger)
            }
            .on(OrderCancelled.self) { cancelled, context in
                guard context.storeId == .original else { return }
                let order = cancelled.orderId.uuid
                try await pushes.orderCancelled(order, on: context.connection, logger: context.logger)
            }
    }
}
