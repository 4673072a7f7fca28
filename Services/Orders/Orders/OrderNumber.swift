import Foundation
import Logging
import PostgresNIO

/// Human order numbers, `{PREFIX}-{YYYYMMDD}-{NNNN}` (`SHOP-20261122-0042`): a counter per
/// shop day, taken with one upsert whose row lock makes concurrent orders queue for the next
/// value, so two orders never share a number. A number taken by a transaction that rolls
/// back is skipped (gaps are allowed). More than 9,999 orders a day simply grow the last part.
struct OrderNumber: Sendable {
    let prefix: String
    /// The shop's time zone: its day starts at its own midnight.
    let timeZone: String

    func next(on connection: PostgresConnection, logger: Logger) async throws -> String {
        let rows = try await connection.query("""
            INSERT INTO order_number_days AS d (day, last) VALUES ((now() AT TIME ZONE \(timeZone))::date, 1)
            ON CONFLICT (day) DO UPDATE SET last = d.last + 1
            RETURNING to_char(day, 'YYYYMMDD'), last
            """, logger: logger)
        for try await (day, sequence) in rows.decode((String, Int).self) {
            return "\(prefix)-\(day)-\(String(format: "%04d", sequence))"
        }
        throw OrdersInvariantError("no order number was allocated")
    }
}

/// Something that cannot happen did.
struct OrdersInvariantError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
