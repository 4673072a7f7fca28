import EventContracts
import Foundation
import ServiceKit

/// Applies the POS's stock counts (`fulfillment.stock.counted`): the variant with that SKU
/// gets the counted on-hand figure as a stocktake (`pos count` in the movement log), never
/// below what is reserved for checkouts in flight (the count is then noted as clamped). A
/// count equal to what the catalog holds changes nothing, so a repeated count is harmless.
struct PosStockCount: EventHandler {
    let inventory: Inventory

    var eventTypes: Set<String> { [StockCounted.eventType] }

    func handle(_ context: EventContext) async throws {
        let counted = try context.envelope.decodeData(StockCounted.self)
        guard counted.onHand >= 0 else { return }
        let rows = try await context.connection.query("SELECT id FROM variants WHERE sku = \(counted.sku)", logger: context.logger)
        var variant: UUID?
        for try await id in rows.decode(UUID.self) { variant = id }
        guard let variant, let current = try await inventory.lockedLevel(of: variant, on: context.connection, logger: context.logger) else {
            context.logger.info("POS counted a SKU the catalog does not have", metadata: ["sku": "\(counted.sku)"])
            return
        }
        let target = max(counted.onHand, current.reserved)
        guard target != current.onHand else { return }
        let reason = target == counted.onHand ? "pos count" : "pos count \(counted.onHand), kept at the \(current.reserved) reserved"
        try await inventory.apply(Inventory.Change(kind: .set, onHandDelta: target - current.onHand, reason: reason,
                                                   reference: context.envelope.id),
                                  to: variant, correlationId: context.envelope.correlationId, on: context.connection, logger: context.logger)
    }
}
