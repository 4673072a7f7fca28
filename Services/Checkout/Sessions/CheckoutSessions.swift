import EventContracts
import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// Checkout sessions in the database. Every move goes through ``move(_:to:reason:set:on:logger:)``:
/// one statement that updates the session if its state allows the move, records the move in
/// `checkout_transitions` (the session's history, for support) and rings the requests waiting
/// on it, in the caller's transaction. No event announces a move: the events that others act
/// on (`checkout.submitted`, `checkout.placed`, `checkout.closed`) say what happened.
struct CheckoutSessions: Sendable {
    let database: Database
    let outbox: Outbox
    /// Rings requests waiting on a checkout (`Prefer: wait`) when it changes.
    let changes: ChangeFeed

    /// Opens and submits a checkout for the cart's lines, publishing `checkout.submitted`
    /// for the catalog to reserve.
    func submit(_ request: CheckoutRequest, cart: CartReplica.Cart, caller: CallerIdentity, guestTokenDigest: String?,
                correlationId: String?, on connection: PostgresConnection, logger: Logger) async throws -> CheckoutSession {
        let id = UUID()
        let encoder = JSONEncoder()
        let contact = String(decoding: try encoder.encode(request.contact), as: UTF8.self)
        let address = String(decoding: try encoder.encode(request.shippingAddress), as: UTF8.self)
        let voucher = request.voucherCode ?? cart.voucherCode
        var session: CheckoutSession?
        do {
            // The session and its first two moves (open, submitted) in one round trip. Nobody
            // can be waiting on an id that does not exist yet, so nothing rings.
            let rows = try await connection.query("""
                WITH created AS (
                    INSERT INTO checkouts (id, cart_id, cart_version, customer_id, guest_token_digest, status, contact, shipping_address,
                                           payment_method, voucher_code, currency)
                    VALUES (\(id), \(cart.id), \(cart.version), \(caller.customerId), \(cart.customerId == nil ? guestTokenDigest : nil),
                            'submitted', \(contact)::jsonb, \(address)::jsonb, \(request.paymentMethod), \(voucher), \(cart.currency ?? "VND"))
                    RETURNING \(unescaped: CheckoutSession.columns)),
                recorded AS (
                    INSERT INTO checkout_transitions (checkout_id, from_status, to_status)
                    SELECT id, moves.from_status, moves.to_status FROM created,
                           (VALUES (NULL, 'open'), ('open', 'submitted')) AS moves (from_status, to_status))
                SELECT * FROM created
                """, logger: logger)
            for try await row in rows.decode(CheckoutSession.Row.self) { session = try CheckoutSession(row: row) }
        } catch let error where ConstraintViolation(error)?.kind == .unique {
            throw Problem(status: .conflict, type: "checkout-in-progress", title: "This cart is already being checked out.",
                          detail: "Follow the existing checkout, or wait until it ends.",
                          errors: [.init(field: "cart_id", message: "has a checkout in progress")])
        }
        guard let session else { throw CheckoutInvariantError("checkout \(id) was not created") }
        let subject = id.uuidString.lowercased()
        try await outbox.enqueue(
            CheckoutSubmitted(checkoutId: subject, cartId: cart.id.uuidString.lowercased(), customerId: caller.customerId?.uuidString.lowercased(),
                              lines: cart.lines.map { CheckoutLine(variantId: $0.variantId, quantity: $0.quantity) }, voucherCode: voucher),
            subject: subject, correlationId: correlationId, on: connection, logger: logger)
        return session
    }

    func find(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> CheckoutSession? {
        for try await row in try await connection.execute(FindStatement(id: id), logger: logger) { return try CheckoutSession(row: row) }
        return nil
    }

    /// A session by id: every waiting request and most saga steps read one.
    struct FindStatement: PreparedStatement {
        typealias Row = CheckoutSession.Row
        static let sql = "SELECT \(CheckoutSession.columns) FROM checkouts WHERE id = $1"
        static var bindingDataTypes: [PostgresDataType] { [.uuid] }

        var id: UUID
        var values: [(any PostgresEncodable & Sendable)?] { [id] }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    func find(_ id: UUID, logger: Logger) async throws -> CheckoutSession? {
        try await database.client.withConnection { try await find(id, on: $0, logger: logger) }
    }

    /// Moves the checkout to `target` if its current state allows it, setting `columns` on
    /// the way (each a column name, `name::jsonb` for JSON text, and its bound value). Returns
    /// false when the move is not allowed (a redelivered or late event): nothing changes.
    @discardableResult
    func move(_ id: UUID, to target: CheckoutStatus, reason: String?, set columns: [(String, any PostgresEncodable & Sendable)] = [],
              on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        var (bindings, assignments) = try Self.assignments([("status", target.rawValue)] + columns)
        func bind(_ value: some PostgresEncodable & Sendable) throws -> String {
            try bindings.append(value)
            return "$\(bindings.count)"
        }
        let idParameter = try bind(id)
        // The update, its history row and the waiters' bell (with the new state, so a waiter
        // that this state does not answer need not read) in one round trip.
        let sql = """
            WITH previous AS (SELECT id, status FROM checkouts WHERE id = \(idParameter) FOR UPDATE),
            moved AS (
                UPDATE checkouts c SET \(assignments.joined(separator: ", ")) FROM previous
                WHERE c.id = previous.id AND previous.status = ANY(\(try bind(CheckoutStatus.sources(of: target)))) RETURNING previous.status),
            recorded AS (
                INSERT INTO checkout_transitions (checkout_id, from_status, to_status, reason)
                SELECT \(idParameter), status, \(try bind(target.rawValue)), \(try reason.map { try bind($0) } ?? "NULL") FROM moved),
            rung AS (
                SELECT count(*) FROM (
                    SELECT pg_notify(\(try bind(changes.channel)), \(try bind(ChangeFeed.payload(key: id.uuidString.lowercased(), note: target.rawValue))))
                    FROM moved) AS bell)
            SELECT moved.status FROM moved, rung
            """
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        var moved = false
        for try await _ in rows.decode(String.self) { moved = true }
        return moved
    }

    /// Sets columns without a move (an order number arriving before the payment opens). No
    /// state changes, so no waiter is rung.
    func update(_ id: UUID, set columns: [(String, any PostgresEncodable & Sendable)], on connection: PostgresConnection, logger: Logger) async throws {
        var (bindings, assignments) = try Self.assignments(columns)
        bindings.append(id)
        try await connection.query(PostgresQuery(unsafeSQL: "UPDATE checkouts SET \(assignments.joined(separator: ", ")) WHERE id = $\(bindings.count)",
                                                 binds: bindings), logger: logger)
    }

    /// The `SET` list for `columns` (`column = $n`, or `column = $n::type` for a column
    /// written as `column::type`), with `updated_at`, and its bindings.
    private static func assignments(_ columns: [(String, any PostgresEncodable & Sendable)]) throws -> (PostgresBindings, [String]) {
        var bindings = PostgresBindings()
        var assignments = ["updated_at = now()"]
        for (column, value) in columns {
            try bindings.append(value)
            let parts = column.components(separatedBy: "::")
            assignments.append(parts.count == 2 ? "\(parts[0]) = $\(bindings.count)::\(parts[1])" : "\(column) = $\(bindings.count)")
        }
        return (bindings, assignments)
    }

    /// Expires checkouts whose payment window has passed (a batch at a time, safe on several
    /// replicas): each becomes `expired` and `checkout.closed` tells the catalog and orders.
    func expireOverdue(logger: Logger) async throws -> Int {
        try await database.transaction(logger: logger) { connection in
            let rows = try await connection.query("""
                SELECT id FROM checkouts WHERE status IN ('reserved', 'awaiting_payment') AND payment_due_by < now()
                ORDER BY payment_due_by LIMIT 100 FOR UPDATE SKIP LOCKED
                """, logger: logger)
            var overdue: [UUID] = []
            for try await id in rows.decode(UUID.self) { overdue.append(id) }
            for id in overdue {
                try await move(id, to: .expired, reason: "payment_timeout", set: [("problem", "payment_timeout")],
                               on: connection, logger: logger)
                try await outbox.enqueue(CheckoutClosed(checkoutId: id.uuidString.lowercased(), reason: "expired"),
                                         subject: id.uuidString.lowercased(), correlationId: nil, on: connection, logger: logger)
            }
            return overdue.count
        }
    }

    /// Waits up to `seconds` for the checkout to reach a state a storefront can act on:
    /// reads again when the change feed rings for it with a state that answers the wait (or
    /// with no state: the feed rings every watcher after it reconnects). Every move rings, so
    /// the read every five seconds is only a safety net; a ring for a state that does not
    /// answer (`reserved` on the way to a card payment's instructions) costs no read.
    /// `admitting` sees the first read before anything is waited for (the caller's ownership
    /// check; it throws to refuse).
    func awaitOutcome(_ id: UUID, seconds: Int, logger: Logger,
                      admitting admit: (CheckoutSession) throws -> Void = { _ in }) async throws -> CheckoutSession? {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(seconds)
        let watch = changes.watch(id.uuidString.lowercased())
        defer { watch.cancel() }
        var session = try await find(id, logger: logger)
        if let session { try admit(session) }
        var behind = false
        while let current = session, !current.status.settlesWait(paymentMethod: current.paymentMethod) {
            let remaining = deadline - clock.now
            guard remaining > .zero else { break }
            let note = await watch.wait(upTo: min(remaining, .seconds(5)))
            if let note, let moved = CheckoutStatus(rawValue: note), !moved.settlesWait(paymentMethod: current.paymentMethod) {
                behind = true
                continue
            }
            session = try await find(id, logger: logger)
            behind = false
        }
        // Moves that answered nothing were skipped: the answer shows where the checkout is now.
        return behind ? try await find(id, logger: logger) : session
    }
}

/// Something that cannot happen did.
struct CheckoutInvariantError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
