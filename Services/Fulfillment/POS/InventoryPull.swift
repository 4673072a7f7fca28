import EventContracts
import Foundation
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceKit

/// Reads the POS's stock counts and publishes `fulfillment.stock.counted` for each SKU whose
/// count changed since the last pull (the catalog sets its on-hand count to it). Remembering
/// the last count makes a repeated pull publish nothing. Runs for each store (``PeriodicJob``);
/// a store not connected to the POS is skipped.
struct InventoryPull: Sendable {
    let provider: PosProvider
    let accounts: PosAccountStore
    let database: Database
    let outbox: Outbox
    let counts: PosStockCountStore

    @discardableResult
    func run(logger: Logger) async throws -> Int {
        guard let account = try await accounts.account(logger: logger) else { return 0 }
        let variations = try await account.client(of: provider).variations(logger: logger)
            .filter { (1...100).contains($0.displayId.count) && (0...1_000_000).contains($0.remainQuantity) }
        guard !variations.isEmpty else { return 0 }
        return try await database.transaction(logger: logger) { connection in
            var published = 0
            for variation in variations {
                if let countedAt = try await counts.record(sku: variation.displayId, onHand: variation.remainQuantity, on: connection, logger: logger) {
                    try await outbox.enqueue(StockCounted(sku: variation.displayId, onHand: variation.remainQuantity, countedAt: countedAt, source: "pos"),
                                             subject: variation.displayId, correlationId: nil, on: connection, logger: logger)
                    published += 1
                }
            }
            if published > 0 { logger.info("POS stock counts changed", metadata: ["count": "\(published)"]) }
            return published
        }
    }
}
