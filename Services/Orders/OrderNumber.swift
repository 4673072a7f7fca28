import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceKit

/// Human order numbers, `{PREFIX}-{YYYYMMDD}-{NNNN}` (`SHOP-20261122-0042`), counted per shop
/// day, each store its own. The count comes from the store's PostgreSQL sequence
/// (`next_order_count`, migration 103): `nextval` is atomic, never waits for
/// another transaction and is never handed out twice, so concurrent placements cannot share
/// a number and none of them holds a lock until it commits. A day's number is the sequence
/// value minus the first value that day saw (its base, recorded once) plus one. A number
/// taken by a transaction that rolls back is skipped (gaps are allowed). More than 9,999
/// orders a day simply grow the last part.
///
/// A store's prefix and time zone are its own (``ServedStores``); the original store's are the
/// service's settings.
struct OrderNumber: Sendable {
    let prefix: String
    /// The shop's time zone: its day starts at its own midnight.
    let timeZone: String
    let stores: ServedStores

    init(prefix: String, timeZone: String, stores: ServedStores = ServedStores()) {
        self.prefix = prefix
        self.timeZone = timeZone
        self.stores = stores
    }

    /// The next number of the task's store (``StoreScope``).
    func next(on connection: PostgresConnection, logger: Logger) async throws -> String {
        let store = try await stores.settings(of: StoreScope.current ?? .original, on: connection, logger: logger)
        let (prefix, timeZone) = (store?.orderPrefix ?? self.prefix, store?.timeZone ?? self.timeZone)
        // Two rare cases ask again: the day's base was recorded by a transaction that
        // committed after this statement's snapshot (the base reads as NULL), or a value
        // taken just before the base was set (it would be zero or less).
        for _ in 0..<10 {
            let rows = try await connection.query("""
                WITH taken AS (SELECT next_order_count(scoped_store()) AS value, (now() AT TIME ZONE \(timeZone))::date AS day),
                started AS (
                    INSERT INTO order_number_days (day, base) SELECT day, value FROM taken
                    ON CONFLICT (store_id, day) DO NOTHING RETURNING base)
                SELECT to_char(t.day, 'YYYYMMDD'),
                       t.value + 1 - COALESCE((SELECT base FROM started), (SELECT d.base FROM order_number_days d WHERE d.day = t.day))
                FROM taken t
                """, logger: logger)
            for try await (day, count) in rows.decode((String, Int?).self) {
                if let count, count > 0 { return "\(prefix)-\(day)-\(String(format: "%04d", count))" }
            }
        }
        throw OrdersInvariantError("no order number was allocated")
    }
}

/// Something that cannot happen did.
struct OrdersInvariantError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
