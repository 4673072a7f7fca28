import EventContracts
import Foundation
import Messaging
import ServiceKit

/// Applies the POS's stock counts (`fulfillment.stock.counted`): the variant with that SKU
/// gets the counted on-hand figure as a stocktake (`pos count` in the movement log), never
/// below what is reserved for checkouts in flight (the count is then noted as clamped). A
/// count equal to what the catalog holds changes nothing, so a repeated count is harmless.
struct PosStockCount: EventHandler {
    let inventory: StockStore

    var reactions: EventReactions {
        EventReactions().on(StockCounted.self) { counted, context in try await apply(counted, context) }
    }

    private func apply(_ counted: StockCounted, _ context: EventContext) async throws {
        guard counted.onHand >= 0 else { return }
        guard let variant = try await inventory.variant(sku: counted.sku, on: context.connection, logger: context.logger),
              let current = try await inventory.lockedLevel(of: variant, on: context.connection, logger: context.logger) else {
            context.logger.info("POS counted a SKU the catalog does not have", metadata: ["sku": "\(counted.sku)"])
            return
        }
        let target = max(counted.onHand, current.reserved)
        guard target != current.onHand else { return }
        let reason = target == counted.onHand ? "pos count" : "pos count \(counted.onHand), kept at the \(current.reserved) reserved"
        try await inventory.apply(StockStore.Change(kind: .set, onHandDelta: target - current.onHand, reason: reason,
                                                   reference: context.envelope.id),
                                  to: variant, correlationId: context.correlationId, on: context.connection, logger: context.logger)
    }
}
