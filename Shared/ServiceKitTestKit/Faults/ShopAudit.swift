import Foundation
import Persistence
import PostgresNIO

/// What every service's schema says about the purchases a storefront had accepted, read as
/// the database administrator across the schemas of one ``SuiteProcesses`` instance.
///
/// - lost: an accepted checkout whose purchase is not whole: the checkout completed, one order
///   for it, its payment (captured in full for a card), its shipment;
/// - duplicated: a cause with more than one effect: orders of a checkout, payments of an order,
///   capture entries of a payment, first shipments of an order, emails of one kind about an
///   order, stock movements of one kind for one reference, merchant webhook deliveries of an
///   event to an endpoint;
/// - stock: a variant whose on-hand or reserved figure is not the sum of its movements;
/// - held: reservations still held for a checkout that has ended.
public struct ShopAudit: Sendable {
    public var lost: [String] = []
    public var duplicated: [String] = []
    public var stockMismatches: [String] = []
    public var heldForEnded = 0

    public var isClean: Bool { lost.isEmpty && duplicated.isEmpty && stockMismatches.isEmpty && heldForEnded == 0 }

    /// Audits the purchases whose checkouts are `accepted` (ids, and whether each pays by card).
    public static func of(_ suite: SuiteProcesses, accepted: [(id: UUID, card: Bool)]) async throws -> ShopAudit {
        let (catalog, checkout, payments, orders, fulfillment) = (suite.schema(of: "catalog"), suite.schema(of: "checkout"),
                                                                  suite.schema(of: "payments"), suite.schema(of: "orders"),
                                                                  suite.schema(of: "fulfillment"))
        return try await TestInfrastructure.withClient(try TestInfrastructure.adminSettings()) { database in
            let logger = TestInfrastructure.logger
            var audit = ShopAudit()
            let whole = try await database.client.query("""
                WITH accepted (id, card) AS (SELECT * FROM unnest(\(accepted.map(\.id))::uuid[], \(accepted.map(\.card))::bool[]))
                SELECT a.id::text, coalesce(c.status, 'missing'), o.id IS NOT NULL, p.id IS NOT NULL,
                       NOT a.card OR (p.status = 'succeeded' AND p.captured_minor = p.amount_minor AND o.status = 'paid'),
                       EXISTS (SELECT 1 FROM \(unescaped: fulfillment).shipments s WHERE s.order_id = o.id)
                FROM accepted a
                LEFT JOIN \(unescaped: checkout).checkouts c ON c.id = a.id
                LEFT JOIN \(unescaped: orders).orders o ON o.checkout_id = a.id
                LEFT JOIN \(unescaped: payments).payments p ON p.order_id = o.id
                """, logger: logger)
            for try await (id, status, ordered, payment, settled, shipped) in whole.decode((String, String, Bool, Bool, Bool, Bool).self) {
                var missing: [String] = []
                if status != "completed" { missing.append("checkout \(status)") }
                if !ordered { missing.append("no order") }
                if !payment { missing.append("no payment") }
                if !settled { missing.append("not captured") }
                if !shipped { missing.append("no shipment") }
                if !missing.isEmpty { audit.lost.append("\(id): \(missing.joined(separator: ", "))") }
            }
            let twice: [(String, String)] = [
                ("orders of a checkout", "SELECT checkout_id::text FROM \(orders).orders GROUP BY checkout_id HAVING count(*) > 1"),
                ("payments of an order", "SELECT order_id::text FROM \(payments).payments GROUP BY order_id HAVING count(*) > 1"),
                ("captures of a payment", """
                    SELECT payment_id::text FROM \(payments).ledger_entries WHERE kind = 'capture' GROUP BY payment_id HAVING count(*) > 1
                    """),
                ("first shipments of an order", """
                    SELECT order_id::text FROM \(fulfillment).shipments WHERE split_from IS NULL GROUP BY order_id HAVING count(*) > 1
                    """),
                ("emails of a kind about an order", """
                    SELECT order_id::text || ' ' || kind FROM \(fulfillment).customer_emails WHERE order_id IS NOT NULL
                    GROUP BY order_id, kind HAVING count(*) > 1
                    """),
                ("stock movements of a kind for a reference", """
                    SELECT variant_id::text || ' ' || kind || ' ' || reference FROM \(catalog).stock_movements WHERE reference IS NOT NULL
                    GROUP BY variant_id, kind, reference HAVING count(*) > 1
                    """),
                ("webhook deliveries of an event to an endpoint", """
                    SELECT event_id || ' ' || endpoint_id::text FROM \(fulfillment).webhook_deliveries GROUP BY event_id, endpoint_id HAVING count(*) > 1
                    """),
            ]
            for (what, sql) in twice {
                for try await cause in try await database.client.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(String.self) {
                    audit.duplicated.append("\(what): \(cause)")
                }
            }
            let stock = try await database.client.query("""
                SELECT v.id::text, v.on_hand, v.reserved, coalesce(m.on_hand, 0)::int8, coalesce(m.reserved, 0)::int8
                FROM \(unescaped: catalog).variants v
                LEFT JOIN (SELECT variant_id, sum(on_hand_delta) AS on_hand, sum(reserved_delta) AS reserved
                           FROM \(unescaped: catalog).stock_movements GROUP BY variant_id) m ON m.variant_id = v.id
                WHERE v.on_hand <> coalesce(m.on_hand, 0) OR v.reserved <> coalesce(m.reserved, 0)
                """, logger: logger)
            for try await (id, onHand, reserved, movedOnHand, movedReserved) in stock.decode((String, Int, Int, Int, Int).self) {
                audit.stockMismatches.append("\(id): on hand \(onHand) vs \(movedOnHand) moved, reserved \(reserved) vs \(movedReserved)")
            }
            let held = try await database.client.query("""
                SELECT count(*)::int8 FROM \(unescaped: catalog).reservations r JOIN \(unescaped: checkout).checkouts c ON c.id = r.checkout_id
                WHERE r.status = 'held' AND c.status IN ('completed', 'rejected', 'expired', 'failed', 'abandoned')
                """, logger: logger)
            for try await count in held.decode(Int.self) { audit.heldForEnded = count }
            return audit
        }
    }
}
