import EventContracts
import Foundation
import Logging
import Messaging
import Money
import Persistence
import PostgresNIO
import ServiceKit

/// Stock held for a checkout between its submission and its payment: reserved all or
/// nothing, committed into a sale when the order settles, released when the checkout closes
/// or the order is cancelled (or the goods put back when a settled order is cancelled), and
/// released by ``ReservationSweeper`` when nobody settles it in time. Each step writes its
/// event to the outbox in the caller's transaction.
struct ReservationStore: Sendable {
    let inventory: StockStore
    let outbox: Outbox
    let lifetime: Duration
    let vouchers: VoucherStore

    enum Outcome: Equatable {
        case reserved(reservationId: UUID, lines: [CheckoutLine], expiresAt: Date)
        case rejected([ShortLine])
    }

    /// Reserves every line of a checkout or none. A checkout already reserved gets its
    /// reservation again (a redelivered or repeated submission holds nothing twice). Few
    /// statements (the lines are written once every variant is known to exist and have
    /// enough), so a hot variant's row stays locked briefly.
    func reserve(checkoutId: UUID, lines requested: [CheckoutLine], correlationId: String?,
                 on connection: PostgresConnection, logger: Logger) async throws -> Outcome {
        // Merge repeated variants; lock rows in one order so concurrent checkouts cannot deadlock.
        var quantities: [UUID: Int] = [:]
        var malformed: [ShortLine] = []
        for line in requested {
            guard line.quantity > 0 else {
                malformed.append(ShortLine(variantId: line.variantId, requested: line.quantity, available: 0))
                continue
            }
            quantities[line.variantId.uuid, default: 0] += line.quantity
        }
        let ordered = quantities.keys.sorted { $0.uuidString < $1.uuidString }
        guard malformed.isEmpty else {
            return .rejected(malformed + (try await shortLines(ordered, quantities, on: connection, logger: logger)))
        }
        guard !ordered.isEmpty else { return .rejected([]) }
        let lines = ordered.map { CheckoutLine(variantId: VariantID($0), quantity: quantities[$0]!) }

        // Several lines need a savepoint to undo the lines already held when a later one is
        // short; a single line's failed change changes nothing, and its reservation row is
        // deleted instead (two round trips fewer on the common path).
        let severalLines = ordered.count > 1
        if severalLines { try await connection.query("SAVEPOINT reserve", logger: logger) }
        let seconds = Double(lifetime.components.seconds)
        let inserted = try await connection.query("""
            INSERT INTO reservations (id, checkout_id, status, expires_at)
            VALUES (\(UUID()), \(checkoutId), 'held', now() + make_interval(secs => \(seconds)))
            ON CONFLICT (checkout_id) DO NOTHING RETURNING id, expires_at
            """, logger: logger)
        var created: (UUID, Date)?
        for try await row in inserted.decode((UUID, Date).self) { created = row }
        guard let (reservationId, expiresAt) = created else {
            if severalLines { try await connection.query("RELEASE SAVEPOINT reserve", logger: logger) }
            return try await existing(checkoutId: checkoutId, on: connection, logger: logger)
        }
        for variant in ordered {
            let change = StockStore.Change(kind: .reserve, reservedDelta: quantities[variant]!, reference: "checkout:\(checkoutId.lowercased)")
            if try await inventory.apply(change, to: variant, onSaleOnly: true, correlationId: correlationId,
                                         on: connection, logger: logger) == nil {
                if severalLines {
                    try await connection.query("ROLLBACK TO SAVEPOINT reserve", logger: logger)
                } else {
                    try await connection.query("DELETE FROM reservations WHERE id = \(reservationId)", logger: logger)
                }
                return .rejected(try await shortLines(ordered, quantities, on: connection, logger: logger))
            }
        }
        try await connection.query("""
            INSERT INTO reservation_lines (reservation_id, variant_id, quantity)
            SELECT \(reservationId), unnest(\(ordered)::uuid[]), unnest(\(ordered.map { quantities[$0]! })::int4[])
            """, logger: logger)
        if severalLines { try await connection.query("RELEASE SAVEPOINT reserve", logger: logger) }
        return .reserved(reservationId: reservationId, lines: lines, expiresAt: expiresAt)
    }

    /// The lines the shop cannot supply now, with what it has.
    private func shortLines(_ variants: [UUID], _ quantities: [UUID: Int], on connection: PostgresConnection,
                            logger: Logger) async throws -> [ShortLine] {
        let available = try await inventory.available(variants, on: connection, logger: logger)
        return variants.compactMap { variant in
            let have = max(0, available[variant] ?? 0)
            return have < quantities[variant]! ? ShortLine(variantId: VariantID(variant), requested: quantities[variant]!, available: have) : nil
        }
    }

    /// The outcome for a checkout that already has a reservation: the same reservation while
    /// it holds or was sold; a released one is over (the checkout must start again).
    private func existing(checkoutId: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Outcome {
        let rows = try await connection.query(
            "SELECT id, status, expires_at FROM reservations WHERE checkout_id = \(checkoutId)", logger: logger)
        for try await (id, status, expiresAt) in rows.decode((UUID, String, Date).self) where status == "held" || status == "committed" {
            return .reserved(reservationId: id, lines: try await lines(of: id, on: connection, logger: logger), expiresAt: expiresAt)
        }
        let lines = try await connection.query("""
            SELECT l.variant_id, l.quantity FROM reservation_lines l JOIN reservations r ON r.id = l.reservation_id
            WHERE r.checkout_id = \(checkoutId)
            """, logger: logger)
        var short: [ShortLine] = []
        for try await (variant, quantity) in lines.decode((UUID, Int).self) {
            short.append(ShortLine(variantId: VariantID(variant), requested: quantity, available: 0))
        }
        return .rejected(short)
    }

    /// Reserves a submitted checkout's lines and redeems its voucher, all or nothing, and
    /// publishes the outcome. Returns whether the checkout is reserved.
    @discardableResult
    func handleSubmission(_ submitted: CheckoutSubmitted, correlationId: String?,
                          on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let (checkoutId, subject) = (submitted.checkoutId.uuid, submitted.checkoutId)
        let voucher = submitted.voucherCode.flatMap { $0.isEmpty ? nil : $0 }
        if voucher != nil { try await connection.query("SAVEPOINT submission", logger: logger) }
        switch try await reserve(checkoutId: checkoutId, lines: submitted.lines, correlationId: correlationId, on: connection, logger: logger) {
        case .reserved(let reservationId, let lines, let expiresAt):
            let priced = try await pricedLines(lines, on: connection, logger: logger)
            var discount: Money?
            if let code = voucher {
                let subtotal = try priced.dropFirst().reduce(priced.first?.lineTotal ?? .zero(.vnd)) { try $0.adding($1.lineTotal) }
                switch try await vouchers.redeem(code: code, checkoutId: checkoutId, customerId: submitted.customerId?.uuid,
                                                 subtotal: subtotal, on: connection, logger: logger) {
                case .success(let amount):
                    discount = amount
                case .failure(let refusal):
                    try await connection.query("ROLLBACK TO SAVEPOINT submission", logger: logger)
                    try await outbox.enqueue(InventoryRejected(checkoutId: subject, shortLines: [], voucherProblem: refusal.rawValue),
                                             subject: subject, correlationId: correlationId, on: connection, logger: logger)
                    return false
                }
            }
            try await outbox.enqueue(
                InventoryReserved(checkoutId: subject, reservationId: ReservationID(reservationId), lines: lines, expiresAt: expiresAt,
                                  pricedLines: priced, discount: discount, voucherCode: voucher),
                subject: subject, correlationId: correlationId, on: connection, logger: logger)
            return true
        case .rejected(let short):
            try await outbox.enqueue(InventoryRejected(checkoutId: subject, shortLines: short),
                                     subject: subject, correlationId: correlationId, on: connection, logger: logger)
            return false
        }
    }

    /// Gives a held reservation's units back to available stock. Returns false when there is
    /// no held reservation for the checkout (already released, committed, or never made).
    @discardableResult
    func release(checkoutId: UUID, reason: String, correlationId: String?,
                 on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        guard let released = try await settle(checkoutId: checkoutId, from: "held", to: "released", reason: reason,
                                              on: connection, logger: logger) else { return false }
        let reservationId = released.id
        try await vouchers.giveBack(checkoutId: checkoutId, on: connection, logger: logger)
        for line in released.lines {
            let change = StockStore.Change(kind: .release, reservedDelta: -line.quantity, reason: reason,
                                          reference: "checkout:\(checkoutId.uuidString.lowercased())")
            guard try await inventory.apply(change, to: line.variantId.uuid, correlationId: correlationId, on: connection, logger: logger) != nil
            else { throw CatalogInvariantError("releasing reservation \(reservationId) would make stock negative") }
        }
        try await outbox.enqueue(
            ReservationReleased(checkoutId: CheckoutID(checkoutId), reservationId: ReservationID(reservationId), reason: reason),
            subject: CheckoutID(checkoutId), correlationId: correlationId, on: connection, logger: logger)
        return true
    }

    /// Turns the checkout's reservation into a sale: the units leave on hand and reserved.
    /// If the reservation had already been released (the payment came after the window), the
    /// units are taken from what is available now, and what is short is reported
    /// (`reservation.committed` with its `short_lines`; a sale in full publishes nothing).
    func commit(checkoutId: UUID, orderId: OrderID, correlationId: String?,
                on connection: PostgresConnection, logger: Logger) async throws {
        let reference = "order:\(orderId)"
        var short: [ShortLine] = []
        let reservationId: UUID
        if let held = try await settle(checkoutId: checkoutId, from: "held", to: "committed", reason: "settled",
                                       on: connection, logger: logger) {
            reservationId = held.id
            for line in held.lines {
                let change = StockStore.Change(kind: .sale, onHandDelta: -line.quantity, reservedDelta: -line.quantity, reference: reference)
                guard try await inventory.apply(change, to: line.variantId.uuid, correlationId: correlationId, on: connection, logger: logger) != nil
                else { throw CatalogInvariantError("committing reservation \(held.id) would make stock negative") }
            }
        } else if let released = try await settle(checkoutId: checkoutId, from: "released", to: "committed", reason: "settled_after_release",
                                                  on: connection, logger: logger) {
            reservationId = released.id
            for line in released.lines {
                let variant = line.variantId.uuid
                let change = StockStore.Change(kind: .sale, onHandDelta: -line.quantity, reason: "paid after the reservation was released",
                                              reference: reference)
                if try await inventory.apply(change, to: variant, correlationId: correlationId, on: connection, logger: logger) == nil {
                    let available = try await inventory.available([variant], on: connection, logger: logger)[variant] ?? 0
                    short.append(ShortLine(variantId: line.variantId, requested: line.quantity, available: max(0, available)))
                }
            }
            logger.warning("order settled after its reservation was released", metadata: ["checkout.id": "\(checkoutId)", "short.lines": "\(short.count)"])
        } else {
            return
        }
        // A sale of what was reserved is news to nobody (orders settled it); one that came up
        // short after a late payment is: staff must refund or source the missing units.
        guard !short.isEmpty else { return }
        try await outbox.enqueue(
            ReservationCommitted(checkoutId: CheckoutID(checkoutId), reservationId: ReservationID(reservationId),
                                 orderId: orderId, shortLines: short),
            subject: CheckoutID(checkoutId), correlationId: correlationId, on: connection, logger: logger)
    }

    /// An order was cancelled: a held reservation is released; sold units go back on hand.
    func cancel(checkoutId: UUID, reason: String, correlationId: String?,
                on connection: PostgresConnection, logger: Logger) async throws {
        if try await release(checkoutId: checkoutId, reason: "order_cancelled:\(reason)", correlationId: correlationId,
                             on: connection, logger: logger) { return }
        guard let sold = try await settle(checkoutId: checkoutId, from: "committed", to: "returned", reason: reason,
                                          on: connection, logger: logger) else { return }
        try await vouchers.giveBack(checkoutId: checkoutId, on: connection, logger: logger)
        for line in sold.lines {
            let variant = line.variantId.uuid
            let change = StockStore.Change(kind: .restock, onHandDelta: line.quantity, reason: "order cancelled: \(reason)",
                                          reference: "checkout:\(checkoutId.uuidString.lowercased())")
            _ = try await inventory.apply(change, to: variant, correlationId: correlationId, on: connection, logger: logger)
        }
        try await outbox.enqueue(
            ReservationReleased(checkoutId: CheckoutID(checkoutId), reservationId: ReservationID(sold.id),
                                reason: "order_cancelled:\(reason)"),
            subject: CheckoutID(checkoutId), correlationId: correlationId, on: connection, logger: logger)
    }

    /// Locks the stock rows of `variants` and of the variants reserved for `checkouts`, in id
    /// order, for the rest of the transaction. A transaction that moves several reservations'
    /// stock calls this first, so two of them never wait for each other in opposite orders.
    func lockStock(of variants: [UUID], reservedFor checkouts: [UUID], on connection: PostgresConnection, logger: Logger) async throws {
        guard !variants.isEmpty || !checkouts.isEmpty else { return }
        // One set of ids, each found by its key (an `OR` of the two would scan every variant).
        let rows = try await connection.query("""
            SELECT id FROM variants
            WHERE id IN (
                SELECT unnest(\(variants)::uuid[])
                UNION
                SELECT l.variant_id FROM reservation_lines l JOIN reservations r ON r.id = l.reservation_id
                WHERE r.checkout_id = ANY(\(checkouts)))
            ORDER BY id FOR UPDATE
            """, logger: logger)
        for try await _ in rows {}
    }

    /// Releases held reservations past their expiry, a batch at a time; replicas share the
    /// work (`SKIP LOCKED`). Returns how many it released.
    func releaseExpired(database: Database, batch: Int = 100, logger: Logger) async throws -> Int {
        try await database.transaction(logger: logger) { connection in
            let rows = try await connection.query("""
                SELECT checkout_id FROM reservations WHERE status = 'held' AND expires_at < now()
                ORDER BY expires_at LIMIT \(batch)::int4 FOR UPDATE SKIP LOCKED
                """, logger: logger)
            var expired: [UUID] = []
            for try await id in rows.decode(UUID.self) { expired.append(id) }
            try await lockStock(of: [], reservedFor: expired, on: connection, logger: logger)
            for checkout in expired {
                try await release(checkoutId: checkout, reason: "expired", correlationId: nil, on: connection, logger: logger)
            }
            return expired.count
        }
    }

    /// What the lines cost at today's prices (the currency of the first line).
    /// The reserved lines priced as the catalog sells them now, in the checkout's order.
    func pricedLines(_ lines: [CheckoutLine], on connection: PostgresConnection, logger: Logger) async throws -> [PricedLine] {
        var priced: [PricedLine] = []
        for line in lines {
            let variant = line.variantId.uuid
            let rows = try await connection.query("""
                SELECT p.id, v.sku, CASE WHEN v.title = '' THEN p.title ELSE p.title || ' – ' || v.title END, v.price_minor, v.currency,
                       v.digital_file
                FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = \(variant)
                """, logger: logger)
            for try await (product, sku, title, price, code, digitalFile) in rows.decode((UUID, String, String, Int64, String, String?).self) {
                let unit = Money(minorUnits: price, currency: try Currency(stored: code))
                priced.append(PricedLine(variantId: line.variantId, productId: ProductID(product), sku: sku, title: title,
                                         quantity: line.quantity, unitPrice: unit, lineTotal: try unit.multiplied(by: Int64(line.quantity)),
                                         digitalFile: digitalFile))
            }
        }
        return priced
    }

    /// A reservation moved from one state to another, with its lines (read in the same round trip).
    private struct Settled {
        var id: UUID
        var lines: [CheckoutLine]
    }

    private func settle(checkoutId: UUID, from: String, to: String, reason: String,
                        on connection: PostgresConnection, logger: Logger) async throws -> Settled? {
        let rows = try await connection.query("""
            WITH settled AS (
                UPDATE reservations SET status = \(to), settled_at = now(), settle_reason = \(reason)
                WHERE checkout_id = \(checkoutId) AND status = \(from) RETURNING id)
            SELECT s.id, l.variant_id, l.quantity FROM settled s LEFT JOIN reservation_lines l ON l.reservation_id = s.id
            ORDER BY l.variant_id
            """, logger: logger)
        var settled: Settled?
        for try await (id, variant, quantity) in rows.decode((UUID, UUID?, Int?).self) {
            if settled == nil { settled = Settled(id: id, lines: []) }
            if let variant, let quantity { settled?.lines.append(CheckoutLine(variantId: VariantID(variant), quantity: quantity)) }
        }
        return settled
    }

    private func lines(of reservation: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [CheckoutLine] {
        let rows = try await connection.query(
            "SELECT variant_id, quantity FROM reservation_lines WHERE reservation_id = \(reservation) ORDER BY variant_id", logger: logger)
        var result: [CheckoutLine] = []
        for try await (variant, quantity) in rows.decode((UUID, Int).self) {
            result.append(CheckoutLine(variantId: VariantID(variant), quantity: quantity))
        }
        return result
    }
}

/// A state the catalog's own rules make impossible; the transaction rolls back and the event
/// is retried, then dead-lettered.
struct CatalogInvariantError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
