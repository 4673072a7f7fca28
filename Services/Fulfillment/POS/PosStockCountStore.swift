import Foundation
import Logging
import PostgresNIO

/// The POS's last stock count per SKU (`pos_stock_counts`), so a repeated pull changes nothing.
struct PosStockCountStore: Sendable {
    /// Keeps `onHand` as the SKU's count; answers when it was counted if the count changed
    /// (or is new), nil when the POS says what it said last time.
    func record(sku: String, onHand: Int, on connection: PostgresConnection, logger: Logger) async throws -> Date? {
        let rows = try await connection.query("""
            INSERT INTO pos_stock_counts (sku, on_hand) VALUES (\(sku), \(onHand))
            ON CONFLICT (sku, store_id) DO UPDATE SET on_hand = excluded.on_hand, counted_at = now()
            WHERE pos_stock_counts.on_hand <> excluded.on_hand
            RETURNING counted_at
            """, logger: logger)
        for try await countedAt in rows.decode(Date.self) { return countedAt }
        return nil
    }
}
