import EventContracts
import Foundation
import ServiceKit

/// Queues each settled order for the POS and calls off the push of a cancelled one (or has it
/// withdrawn at the POS when it got there first). Runs
/// after ``ShipmentSaga`` in the same transaction, which has recorded the order.
struct PosSync: EventHandler {
    let pushes: PosPushes

    var eventTypes: Set<String> { [OrderSettled.eventType, OrderCancelled.eventType] }

    func handle(_ context: EventContext) async throws {
        let envelope = context.envelope
        switch envelope.type {
        case OrderSettled.eventType:
            guard let order = UUID(uuidString: try envelope.decodeData(OrderSettled.self).orderId) else { return }
            try await pushes.queue(order, on: context.connection, logger: context.logger)
        case OrderCancelled.eventType:
            guard let order = UUID(uuidString: try envelope.decodeData(OrderCancelled.self).orderId) else { return }
            try await pushes.orderCancelled(order, on: context.connection, logger: context.logger)
        default:
            return
        }
    }
}
