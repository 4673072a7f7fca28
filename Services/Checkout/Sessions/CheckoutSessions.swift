import EventContracts
import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// Checkout sessions in the database. Every move goes through ``move(_:to:reason:set:on:logger:)``:
/// one conditional update from the states allowed to reach the target, its row in
/// `checkout_transitions`, and a `checkout.status_changed` event, in the caller's transaction.
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
        do {
            try await connection.query("""
                INSERT INTO checkouts (id, cart_id, cart_version, customer_id, guest_token_digest, status, contact, shipping_address,
                                       payment_method, voucher_code, currency)
                VALUES (\(id), \(cart.id), \(cart.version), \(caller.customerId), \(cart.customerId == nil ? guestTokenDigest : nil), 'submitted',
                        \(contact)::jsonb, \(address)::jsonb, \(request.paymentMethod), \(voucher), \(cart.currency ?? "VND"))
                """, logger: logger)
        } catch let error where ConstraintViolation(error)?.kind == .unique {
            throw Problem(status: .conflict, type: "checkout-in-progress", title: "This cart is already being checked out.",
                          detail: "Follow the existing checkout, or wait until it ends.",
                          errors: [.init(field: "cart_id", message: "has a checkout in progress")])
        }
        let subject = id.uuidString.lowercased()
        try await record(id, from: nil, to: .open, reason: nil, correlationId: correlationId, on: connection, logger: logger)
        try await record(id, from: .open, to: .submitted, reason: nil, correlationId: correlationId, on: connection, logger: logger)
        try await outbox.enqueue(
            CheckoutSubmitted(checkoutId: subject, cartId: cart.id.uuidString.lowercased(), customerId: caller.customerId?.uuidString.lowercased(),
                              lines: cart.lines.map { CheckoutLine(variantId: $0.variantId, quantity: $0.quantity) }, voucherCode: voucher),
            subject: subject, correlationId: correlationId, on: connection, logger: logger)
        guard let session = try await find(id, on: connection, logger: logger) else { throw CheckoutInvariantError("checkout \(id) vanished") }
        return session
    }

    func find(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> CheckoutSession? {
        let rows = try await connection.query("SELECT \(unescaped: CheckoutSession.columns) FROM checkouts WHERE id = \(id)", logger: logger)
        for try await row in rows.decode(CheckoutSession.Row.self) { return try CheckoutSession(row: row) }
        return nil
    }

    func find(_ id: UUID, logger: Logger) async throws -> CheckoutSession? {
        try await database.client.withConnection { try await find(id, on: $0, logger: logger) }
    }

    /// Moves the checkout to `target` if its current state allows it, setting `columns` on
    /// the way (each a column name, `name::jsonb` for JSON text, and its bound value). Returns false when the move is not
    /// allowed (a redelivered or late event): nothing changes.
    @discardableResult
    func move(_ id: UUID, to target: CheckoutStatus, reason: String?, set columns: [(String, any PostgresEncodable & Sendable)] = [],
              correlationId: String?, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        var (bindings, assignments) = try Self.assignments([("status", target.rawValue)] + columns)
        bindings.append(id)
        let idIndex = bindings.count
        bindings.append(CheckoutStatus.sources(of: target))
        let sql = """
            WITH previous AS (SELECT id, status FROM checkouts WHERE id = $\(idIndex) FOR UPDATE)
            UPDATE checkouts c SET \(assignments.joined(separator: ", ")) FROM previous
            WHERE c.id = previous.id AND previous.status = ANY($\(bindings.count)) RETURNING previous.status
            """
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        var from: CheckoutStatus?
        for try await status in rows.decode(String.self) { from = CheckoutStatus(rawValue: status) }
        guard let from else { return false }
        try await record(id, from: from, to: target, reason: reason, correlationId: correlationId, on: connection, logger: logger)
        return true
    }

    /// Sets columns without a move (an order number or payment instructions arriving).
    func update(_ id: UUID, set columns: [(String, any PostgresEncodable & Sendable)], on connection: PostgresConnection, logger: Logger) async throws {
        var (bindings, assignments) = try Self.assignments(columns)
        bindings.append(id)
        try await connection.query(PostgresQuery(unsafeSQL: "UPDATE checkouts SET \(assignments.joined(separator: ", ")) WHERE id = $\(bindings.count)",
                                                 binds: bindings), logger: logger)
        try await ChangeFeed.notify(changes.channel, key: id.uuidString.lowercased(), on: connection, logger: logger)
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

    private func record(_ id: UUID, from: CheckoutStatus?, to: CheckoutStatus, reason: String?, correlationId: String?,
                        on connection: PostgresConnection, logger: Logger) async throws {
        let subject = id.uuidString.lowercased()
        // The transition row and the waiters' bell in one round trip.
        try await connection.query("""
            WITH recorded AS (
                INSERT INTO checkout_transitions (checkout_id, from_status, to_status, reason)
                VALUES (\(id), \(from?.rawValue), \(to.rawValue), \(reason)) RETURNING 1)
            SELECT pg_notify(\(changes.channel), \(subject)) FROM recorded
            """, logger: logger)
        try await outbox.enqueue(CheckoutStatusChanged(checkoutId: subject, from: from?.rawValue, to: to.rawValue, reason: reason),
                                 subject: subject, correlationId: correlationId, on: connection, logger: logger)
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
                               correlationId: nil, on: connection, logger: logger)
                try await outbox.enqueue(CheckoutClosed(checkoutId: id.uuidString.lowercased(), reason: "expired"),
                                         subject: id.uuidString.lowercased(), correlationId: nil, on: connection, logger: logger)
            }
            return overdue.count
        }
    }

    /// Waits up to `seconds` for the checkout to reach a state a storefront can act on:
    /// reads again whenever the change feed rings for it. Every move rings, and the feed rings
    /// every watcher after it (re)connects, so the read every five seconds is only a safety
    /// net; with hundreds of requests waiting, reading every second cost real CPU.
    func awaitOutcome(_ id: UUID, seconds: Int, logger: Logger) async throws -> CheckoutSession? {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(seconds)
        let watch = changes.watch(id.uuidString.lowercased())
        defer { watch.cancel() }
        while true {
            let session = try await find(id, logger: logger)
            let remaining = deadline - clock.now
            guard let session, !session.status.settlesWait(paymentMethod: session.paymentMethod), remaining > .zero else { return session }
            await watch.wait(upTo: min(remaining, .seconds(5)))
        }
    }
}

/// Something that cannot happen did.
struct CheckoutInvariantError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
