import EventContracts
import Foundation
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceKit

/// The one way stock changes: a conditional update of a variant's levels that can never make
/// on hand, reserved or available negative (the database checks it too), written with its
/// movement in the caller's transaction. When available falls to or below the low-stock
/// threshold, a ``StockLow`` event goes out through the outbox in the same transaction.
/// Staff's stock desk (a count, an adjustment, the movement log) runs its own transactions.
struct StockStore: Sendable {
    let database: Database
    let outbox: Outbox
    /// The deployment's threshold: the original store's, and any store's that sets none.
    let lowStockThreshold: Int
    var stores = ServedStores()

    /// The task's store's low-stock threshold (``StoreScope``).
    func threshold(on connection: PostgresConnection, logger: Logger) async throws -> Int {
        let store = try await stores.settings(of: StoreScope.current ?? .original, on: connection, logger: logger)
        return store?.lowStockThreshold ?? lowStockThreshold
    }

    struct Change: Sendable {
        var kind: StockMovement.Kind
        var onHandDelta: Int = 0
        var reservedDelta: Int = 0
        var reason: String? = nil
        var reference: String? = nil
        var staffId: UUID? = nil
    }

    /// Applies `change` to `variant` if the result keeps every level valid; returns the new
    /// level, or `nil` when the variant does not exist (or, with `onSaleOnly`, is not on sale)
    /// or the change would go below zero. One statement: the update and its movement.
    func apply(_ change: Change, to variant: UUID, onSaleOnly: Bool = false, correlationId: String?,
               on connection: PostgresConnection, logger: Logger) async throws -> StockLevel? {
        let rows = try await connection.query("""
            WITH changed AS (
                UPDATE variants SET on_hand = on_hand + \(change.onHandDelta)::int4, reserved = reserved + \(change.reservedDelta)::int4
                WHERE id = \(variant)
                  AND on_hand + \(change.onHandDelta)::int4 >= 0 AND reserved + \(change.reservedDelta)::int4 >= 0
                  AND reserved + \(change.reservedDelta)::int4 <= on_hand + \(change.onHandDelta)::int4
                  AND (NOT \(onSaleOnly) OR EXISTS (SELECT 1 FROM products p WHERE p.id = variants.product_id AND p.status = 'published'))
                RETURNING id, sku, on_hand, reserved),
            logged AS (
                INSERT INTO stock_movements (variant_id, kind, on_hand_delta, reserved_delta, on_hand_after, reserved_after, reason, reference, staff_id)
                SELECT id, \(change.kind.rawValue), \(change.onHandDelta)::int4, \(change.reservedDelta)::int4, on_hand, reserved,
                       \(change.reason), \(change.reference), \(change.staffId) FROM changed)
            SELECT sku, on_hand, reserved FROM changed
            """, logger: logger)
        var level: StockLevel?
        for try await (sku, onHand, reserved) in rows.decode((String, Int, Int).self) {
            level = StockLevel(variantId: VariantID(variant), sku: sku, onHand: onHand, reserved: reserved)
        }
        guard let level else { return nil }
        let availableBefore = level.available + change.reservedDelta - change.onHandDelta
        guard availableBefore > level.available else { return level }
        let threshold = try await threshold(on: connection, logger: logger)
        if level.available <= threshold && availableBefore > threshold {
            try await outbox.enqueue(
                StockLow(variantId: level.variantId, sku: level.sku, available: level.available, threshold: threshold),
                subject: level.variantId, correlationId: correlationId, on: connection, logger: logger)
        }
        return level
    }

    /// A stocktake: sets on hand to `onHand` (never below what is reserved: 409).
    func count(_ variant: UUID, onHand: Int, reason: String, staffId: UUID?, correlationId: String?, logger: Logger) async throws -> StockLevel {
        try await database.transaction(logger: logger) { connection in
            guard let current = try await lockedLevel(of: variant, on: connection, logger: logger) else { throw Problem.notFound("That variant") }
            guard onHand >= current.reserved else { throw Self.belowReserved(current, field: "on_hand") }
            let change = Change(kind: .set, onHandDelta: onHand - current.onHand, reason: reason, staffId: staffId)
            guard let level = try await apply(change, to: variant, correlationId: correlationId, on: connection, logger: logger) else {
                throw Self.belowReserved(current, field: "on_hand")
            }
            return level
        }
    }

    /// A delivery, breakage or correction: changes on hand by `delta` (never below what is
    /// reserved: 409).
    func adjust(_ variant: UUID, by delta: Int, reason: String, staffId: UUID?, correlationId: String?, logger: Logger) async throws -> StockLevel {
        try await database.transaction(logger: logger) { connection in
            guard let current = try await lockedLevel(of: variant, on: connection, logger: logger) else { throw Problem.notFound("That variant") }
            let change = Change(kind: .adjust, onHandDelta: delta, reason: reason, staffId: staffId)
            guard let level = try await apply(change, to: variant, correlationId: correlationId, on: connection, logger: logger) else {
                throw Self.belowReserved(current, field: "delta")
            }
            return level
        }
    }

    /// A variant's level and a page of its movement log, newest first (404 for no variant).
    func history(_ variant: UUID, page: PageRequest, logger: Logger) async throws -> (level: StockLevel, movements: Page<StockMovement>) {
        try await database.transaction(logger: logger) { connection in
            guard let level = try await lockedLevel(of: variant, on: connection, logger: logger) else { throw Problem.notFound("That variant") }
            let rows = try await connection.query("""
                SELECT id, kind, on_hand_delta, reserved_delta, on_hand_after, reserved_after, reason, reference, at, count(*) OVER ()
                FROM stock_movements WHERE variant_id = \(variant) ORDER BY id DESC LIMIT \(page.size)::int4 OFFSET \(page.offset)::int4
                """, logger: logger)
            var movements: [StockMovement] = []
            var total = 0
            for try await (id, kind, onHandDelta, reservedDelta, onHandAfter, reservedAfter, reason, reference, at, count)
                in rows.decode((Int64, String, Int, Int, Int, Int, String?, String?, Date, Int).self) {
                movements.append(StockMovement(id: id, kind: StockMovement.Kind(rawValue: kind) ?? .correction, onHandDelta: onHandDelta,
                                               reservedDelta: reservedDelta, onHandAfter: onHandAfter, reservedAfter: reservedAfter,
                                               reason: reason, reference: reference, at: at))
                total = count
            }
            return (level, Page(items: movements, request: page, total: total))
        }
    }

    static func belowReserved(_ level: StockLevel, field: String) -> Problem {
        Problem(status: .conflict, type: "stock-below-reserved", title: "Stock cannot go below what is reserved.",
                detail: "\(level.sku): \(level.onHand) on hand, \(level.reserved) reserved for checkouts.",
                errors: [.init(field: field, message: "would leave on hand below the \(level.reserved) reserved")])
    }

    /// The variant with this SKU, if the catalog has one.
    func variant(sku: String, on connection: PostgresConnection, logger: Logger) async throws -> UUID? {
        let rows = try await connection.query("SELECT id FROM variants WHERE sku = \(sku)", logger: logger)
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }

    /// The current level of `variant`, locked for the rest of the transaction.
    func lockedLevel(of variant: UUID, on connection: PostgresConnection, logger: Logger) async throws -> StockLevel? {
        let rows = try await connection.query(
            "SELECT sku, on_hand, reserved FROM variants WHERE id = \(variant) FOR UPDATE", logger: logger)
        for try await (sku, onHand, reserved) in rows.decode((String, Int, Int).self) {
            return StockLevel(variantId: VariantID(variant), sku: sku, onHand: onHand, reserved: reserved)
        }
        return nil
    }

    /// Available units per variant (0 for unknown variants or products not on sale).
    func available(_ variants: [UUID], on connection: PostgresConnection, logger: Logger) async throws -> [UUID: Int] {
        let rows = try await connection.query("""
            SELECT v.id, v.on_hand - v.reserved FROM variants v JOIN products p ON p.id = v.product_id
            WHERE v.id = ANY(\(variants)) AND p.status = 'published'
            """, logger: logger)
        var result: [UUID: Int] = [:]
        for try await (id, available) in rows.decode((UUID, Int).self) { result[id] = available }
        return result
    }
}

extension StockStore {
    /// Reconciliation: each variant's `reserved` against the quantities its held reservations
    /// hold, and its `on_hand` and `reserved` against the movement log's latest totals.
    var reconciliations: [ReconciliationCheck] {
        [
            ReconciliationCheck("reservations-vs-stock", summary: "Each variant's reserved count against its held reservations.") { logger in
                var found: [Mismatch] = []
                for try await (variant, sku, reserved, held) in try await database.client.query("""
                    WITH held AS (
                        SELECT l.variant_id, sum(l.quantity)::int8 AS quantity FROM reservations r
                        JOIN reservation_lines l ON l.reservation_id = r.id WHERE r.status = 'held' GROUP BY l.variant_id)
                    SELECT v.id, v.sku, v.reserved::int8, COALESCE(h.quantity, 0) FROM variants v LEFT JOIN held h ON h.variant_id = v.id
                    WHERE v.reserved <> COALESCE(h.quantity, 0) ORDER BY v.sku LIMIT 500
                    """, logger: logger).decode((UUID, String, Int, Int).self) {
                    found.append(Mismatch(subject: "variant:\(variant.uuidString.lowercased())",
                                          detail: "\(sku): reserved \(reserved), held reservations \(held)"))
                }
                return found
            },
            ReconciliationCheck("stock-vs-movements", summary: "Each variant's on hand and reserved counts against its movement log.") { logger in
                var found: [Mismatch] = []
                for try await (variant, sku, onHand, reserved, loggedOnHand, loggedReserved) in try await database.client.query("""
                    SELECT v.id, v.sku, v.on_hand::int8, v.reserved::int8, COALESCE(m.on_hand_after, 0)::int8, COALESCE(m.reserved_after, 0)::int8
                    FROM variants v LEFT JOIN LATERAL (
                        SELECT on_hand_after, reserved_after FROM stock_movements WHERE variant_id = v.id ORDER BY id DESC LIMIT 1) m ON true
                    WHERE v.on_hand <> COALESCE(m.on_hand_after, 0) OR v.reserved <> COALESCE(m.reserved_after, 0)
                    ORDER BY v.sku LIMIT 500
                    """, logger: logger).decode((UUID, String, Int, Int, Int, Int).self) {
                    found.append(Mismatch(subject: "variant:\(variant.uuidString.lowercased())",
                                          detail: "\(sku): on hand \(onHand) / reserved \(reserved), movement log \(loggedOnHand) / \(loggedReserved)"))
                }
                return found
            },
        ]
    }
}
