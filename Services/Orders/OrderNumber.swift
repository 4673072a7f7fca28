import EventContracts
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
/// A store may choose random numbers instead (``OrderNumberStyle/random``): `{PREFIX}-` and
/// eight characters of Crockford's base 32 (no I, L, O or U; at least one a letter, so a number
/// never reads as a date in a transfer's content), about 40 random bits, so a number
/// says nothing of how many orders the store takes and cannot be guessed from another. Two
/// orders drawing the same number (about one in a million after 1.5 million orders) meet the
/// orders' unique index: the placement rolls back and is applied again with a new draw.
///
/// A store's prefix, time zone and style are its own (``ServedStores``); the original store's
/// are the service's settings.
struct OrderNumber: Sendable {
    let prefix: String
    /// The shop's time zone: its day starts at its own midnight.
    let timeZone: String
    let style: OrderNumberStyle
    let stores: ServedStores

    init(prefix: String, timeZone: String, style: OrderNumberStyle = .sequential, stores: ServedStores = ServedStores()) {
        self.prefix = prefix
        self.timeZone = timeZone
        self.style = style
        self.stores = stores
    }

    /// Crockford's base 32: digits and letters a reader cannot confuse.
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    /// A random number after `prefix`, with at least one letter.
    static func random(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        while true {
            let code = String((0..<8).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] })
            if code.contains(where: \.isLetter) { return prefix + "-" + code }
        }
    }

    /// The next number of the task's store (``StoreScope``).
    func next(on connection: PostgresConnection, logger: Logger) async throws -> String {
        let store = try await stores.settings(of: StoreScope.current ?? .original, on: connection, logger: logger)
        let (prefix, timeZone) = (store?.orderPrefix ?? self.prefix, store?.timeZone ?? self.timeZone)
        if (store.map { $0.orderNumbers ?? .sequential } ?? style) == .random { return Self.random(prefix: prefix) }
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
