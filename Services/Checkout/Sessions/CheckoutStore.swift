import EventContracts
import Foundation
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceKit

/// Checkout sessions in the database. Every move goes through ``move(_:to:reason:_:on:logger:)``:
/// one statement that updates the session if its state allows the move, records the move in
/// `checkout_transitions` (the session's history, for support) and rings the requests waiting
/// on it, in the caller's transaction. No event announces a move: the events that others act
/// on (`checkout.submitted`, `checkout.placed`, `checkout.closed`) say what happened.
struct CheckoutStore: Sendable {
    let database: Database
    let outbox: Outbox
    /// Rings requests waiting on a checkout (`Prefer: wait`) when it changes.
    let changes: ChangeFeed

    /// Opens and submits a checkout for the basket's lines, publishing `checkout.submitted`
    /// for the catalog to reserve. A guest's checkout is theirs by the cart token they checked
    /// out with (`guestTokenDigest`) or, without a cart, by the secret they placed it with
    /// (`accessTokenDigest`).
    /// A checkout from a page (`page`, with the buyer's `answers`) counts as a checkout
    /// started on it.
    func submit(_ request: CheckoutRequest, id: UUID = UUID(), basket: Basket, caller: CallerIdentity, guestTokenDigest: String?,
                accessTokenDigest: String? = nil, page: PageReference? = nil, answers: [FieldAnswer]? = nil, correlationId: String?,
                on connection: PostgresConnection, logger: Logger) async throws -> CheckoutSession {
        let encoder = JSONEncoder()
        let contact = String(decoding: try encoder.encode(request.contact), as: UTF8.self)
        let address = String(decoding: try encoder.encode(request.shippingAddress), as: UTF8.self)
        let pageJSON = try page.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        let answersJSON = try answers.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        let billingJSON = try request.billingAddress.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        let voucher = request.voucherCode ?? basket.voucherCode
        var session: CheckoutSession?
        do {
            // The session and its first two moves (open, submitted) in one round trip. Nobody
            // can be waiting on an id that does not exist yet, so nothing rings.
            let rows = try await connection.query("""
                WITH created AS (
                    INSERT INTO checkouts (id, cart_id, cart_version, customer_id, guest_token_digest, access_token_digest, status, contact,
                                           shipping_address, payment_method, voucher_code, currency, page_id, page, answers, billing_address,
                                           customer_note)
                    VALUES (\(id), \(basket.cartId), \(basket.cartVersion), \(caller.customerId), \(basket.customerId == nil ? guestTokenDigest : nil),
                            \(accessTokenDigest), 'submitted', \(contact)::jsonb, \(address)::jsonb, \(request.paymentMethod),
                            \(voucher), \(basket.currency), \(page?.pageId.uuid), \(pageJSON)::jsonb, \(answersJSON)::jsonb,
                            \(billingJSON)::jsonb, \(request.customerNote))
                    RETURNING \(unescaped: CheckoutSession.columns)),
                recorded AS (
                    INSERT INTO checkout_transitions (checkout_id, from_status, to_status)
                    SELECT id, moves.from_status, moves.to_status FROM created,
                           (VALUES (NULL, 'open'), ('open', 'submitted')) AS moves (from_status, to_status)),
                started AS (
                    UPDATE checkout_page_stats SET checkouts_started = checkouts_started + 1 WHERE page_id = \(page?.pageId.uuid))
                SELECT * FROM created
                """, logger: logger)
            for try await row in rows.decode(CheckoutSession.Row.self) { session = try CheckoutSession(row: row) }
        } catch let error where ConstraintViolation(error)?.kind == .unique {
            throw Problem(status: .conflict, type: "checkout-in-progress", title: "This cart is already being checked out.",
                          detail: "Follow the existing checkout, or wait until it ends.",
                          errors: [.init(field: "cart_id", message: "has a checkout in progress")])
        }
        guard let session else { throw CheckoutInvariantError("checkout \(id) was not created") }
        let subject = CheckoutID(id)
        try await outbox.enqueue(
            CheckoutSubmitted(checkoutId: subject, cartId: basket.cartId.map(CartID.init), customerId: caller.customerId.map(CustomerID.init),
                              lines: basket.lines, voucherCode: voucher),
            subject: subject, correlationId: correlationId, on: connection, logger: logger)
        return session
    }

    /// Starts hearing of a checkout's changes; started before a write commits, it misses none after it.
    func watch(_ id: UUID) -> ChangeFeed.Watch { changes.watch(id.uuidString.lowercased()) }

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

    /// The catalog reserved the goods: the checkout is `reserved` at `price`, due by `dueBy`
    /// when it pays in advance.
    func reserve(_ id: UUID, lines: [PricedLine], price: PriceBreakdown, dueBy: Date?, on connection: PostgresConnection,
                 logger: Logger) async throws {
        try await move(id, to: .reserved, reason: nil,
                       SessionFields(lines: lines, price: price, paymentDueBy: dueBy), on: connection, logger: logger)
    }

    /// The reserved goods cannot be priced (a rule is missing for the address): the checkout
    /// fails and `checkout.closed` gives the goods back.
    func failUnpriceable(_ id: UUID, correlationId: String?, on connection: PostgresConnection, logger: Logger) async throws {
        try await move(id, to: .reserved, reason: nil, on: connection, logger: logger)
        try await move(id, to: .failed, reason: "not_priceable", SessionFields(problem: "not_priceable"), on: connection, logger: logger)
        try await close(id, reason: "rejected", correlationId: correlationId, on: connection, logger: logger)
    }

    /// The catalog refused the goods (`problem` says why; `shortLines` what is missing).
    func reject(_ id: UUID, problem: String, shortLines: [ShortLine], on connection: PostgresConnection, logger: Logger) async throws {
        try await move(id, to: .rejected, reason: problem, SessionFields(problem: problem, shortLines: shortLines),
                       on: connection, logger: logger)
    }

    /// A cash-on-delivery checkout is complete once its order exists. False when it was not
    /// waiting for that (a redelivered event).
    func completeCashOnDelivery(_ id: UUID, order: UUID, number: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        try await move(id, to: .completed, reason: "order_confirmed",
                       SessionFields(orderId: order, orderNumber: number, payment: PaymentInstructions(nextAction: "pay_on_delivery")),
                       on: connection, logger: logger)
    }

    /// The checkout learns its order's id and number (it then waits for the payment).
    func recordOrder(_ id: UUID, order: UUID, number: String, on connection: PostgresConnection, logger: Logger) async throws {
        let statement = RecordOrderStatement(id: id, order: order, number: number, channel: changes.channel, key: id.uuidString.lowercased())
        for try await _ in try await connection.execute(statement, logger: logger) {}
    }

    /// The payment is open: the checkout shows how to pay.
    func awaitPayment(_ id: UUID, instructions: PaymentInstructions, order: UUID, number: String,
                      on connection: PostgresConnection, logger: Logger) async throws {
        try await move(id, to: .awaitingPayment, reason: nil, SessionFields(orderId: order, orderNumber: number, payment: instructions),
                       on: connection, logger: logger)
    }

    /// The money arrived.
    func completePaid(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await move(id, to: .completed, reason: "paid", on: connection, logger: logger)
    }

    /// No payment could be made for good: the checkout fails and `checkout.closed` gives the
    /// goods back.
    func failPayment(_ id: UUID, reason: String, correlationId: String?, on connection: PostgresConnection, logger: Logger) async throws {
        guard try await move(id, to: .failed, reason: reason, SessionFields(problem: "payment_failed"), on: connection, logger: logger)
        else { return }
        try await close(id, reason: "payment_failed", correlationId: correlationId, on: connection, logger: logger)
    }

    /// The customer gives up a checkout awaiting payment: it is `abandoned` and
    /// `checkout.closed` gives the goods back. A checkout past that point is a conflict.
    func abandon(_ id: UUID, by actor: String, correlationId: String?, logger: Logger) async throws -> CheckoutSession {
        try await database.transaction(logger: logger) { connection in
            guard try await move(id, to: .abandoned, reason: actor, SessionFields(problem: "abandoned"), on: connection, logger: logger) else {
                let current = try await find(id, on: connection, logger: logger)
                throw Problem(status: .conflict, type: "checkout-not-cancellable", title: "This checkout can no longer be given up.",
                              detail: "It is \(current?.status.rawValue ?? "gone"); only a checkout awaiting payment can be.")
            }
            try await close(id, reason: "abandoned", correlationId: correlationId, on: connection, logger: logger)
            guard let session = try await find(id, on: connection, logger: logger) else { throw Problem.notFound("That checkout") }
            return session
        }
    }

    /// Announces that the checkout ended without an order being paid (`checkout.closed`).
    private func close(_ id: UUID, reason: String, correlationId: String?, on connection: PostgresConnection, logger: Logger) async throws {
        let subject = CheckoutID(id)
        try await outbox.enqueue(CheckoutClosed(checkoutId: subject, reason: reason), subject: subject, correlationId: correlationId,
                                 on: connection, logger: logger)
    }

    /// What a move writes besides the state; a field left nil keeps its value.
    struct SessionFields: Sendable {
        var problem: String?
        var lines: [PricedLine]?
        var price: PriceBreakdown?
        var paymentDueBy: Date?
        var shortLines: [ShortLine]?
        var orderId: UUID?
        var orderNumber: String?
        var payment: PaymentInstructions?
    }

    /// Moves the checkout to `target` if its current state allows it, writing `fields` on the
    /// way. Returns false when the move is not allowed (a redelivered or late event): nothing
    /// changes.
    @discardableResult
    private func move(_ id: UUID, to target: CheckoutStatus, reason: String?, _ fields: SessionFields = SessionFields(),
                      on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        func json(_ value: (some Encodable)?) throws -> String? { try value.map { String(decoding: try encoder.encode($0), as: UTF8.self) } }
        let statement = MoveStatement(
            id: id, status: target.rawValue, problem: fields.problem, lines: try json(fields.lines), price: try json(fields.price),
            currency: fields.price?.total.currency.code, paymentDueBy: fields.paymentDueBy, shortLines: try json(fields.shortLines),
            orderId: fields.orderId, orderNumber: fields.orderNumber, payment: try json(fields.payment),
            sources: CheckoutStatus.sources(of: target), reason: reason, channel: changes.channel,
            bell: ChangeFeed.payload(key: id.uuidString.lowercased(), note: target.rawValue))
        // Read to the end: the history row is written after the answer's row, and an error
        // there must reach the caller rather than abort the transaction unseen.
        var moved = false
        for try await _ in try await connection.execute(statement, logger: logger) { moved = true }
        return moved
    }

    /// A move: the update if the state allows it, its history row, a page checkout's
    /// conversion and revenue when it completes, and the waiters' bell (with the new state, so
    /// a waiter that this state does not answer need not read), in one round trip; every saga
    /// step runs it.
    struct MoveStatement: PreparedStatement {
        typealias Row = String
        static let sql = """
            WITH previous AS (SELECT id, status FROM checkouts WHERE id = $1 FOR UPDATE),
            moved AS (
                UPDATE checkouts c SET status = $2, updated_at = now(), problem = COALESCE($3, c.problem),
                       lines = COALESCE($4::jsonb, c.lines), price = COALESCE($5::jsonb, c.price), currency = COALESCE($6, c.currency),
                       payment_due_by = COALESCE($7, c.payment_due_by), short_lines = COALESCE($8::jsonb, c.short_lines),
                       order_id = COALESCE($9, c.order_id), order_number = COALESCE($10, c.order_number),
                       payment = COALESCE($11::jsonb, c.payment)
                FROM previous WHERE c.id = previous.id AND previous.status = ANY($12) RETURNING previous.status, c.page_id, c.price),
            recorded AS (
                INSERT INTO checkout_transitions (checkout_id, from_status, to_status, reason)
                SELECT $1, status, $2, $13 FROM moved),
            converted AS (
                UPDATE checkout_page_stats s SET conversions = s.conversions + 1
                FROM moved WHERE $2 = 'completed' AND s.page_id = moved.page_id),
            earned AS (
                INSERT INTO checkout_page_revenue (page_id, currency, amount_minor)
                SELECT page_id, price->'total'->>'currency', (price->'total'->>'minorUnits')::bigint FROM moved
                WHERE $2 = 'completed' AND page_id IS NOT NULL
                ON CONFLICT (page_id, currency) DO UPDATE SET amount_minor = checkout_page_revenue.amount_minor + excluded.amount_minor),
            rung AS (SELECT count(*) FROM (SELECT pg_notify($14, $15) FROM moved) AS bell)
            SELECT moved.status FROM moved, rung
            """
        static var bindingDataTypes: [PostgresDataType] {
            [.uuid, .text, .text, .text, .text, .text, .timestamptz, .text, .uuid, .text, .text, .textArray, .text, .text, .text]
        }

        var id: UUID
        var status: String
        var problem: String?
        var lines: String?
        var price: String?
        var currency: String?
        var paymentDueBy: Date?
        var shortLines: String?
        var orderId: UUID?
        var orderNumber: String?
        var payment: String?
        var sources: [String]
        var reason: String?
        var channel: String
        var bell: String

        var values: [(any PostgresEncodable & Sendable)?] {
            [id, status, problem, lines, price, currency, paymentDueBy, shortLines, orderId, orderNumber, payment, sources, reason, channel, bell]
        }

        func decodeRow(_ row: PostgresRow) throws -> String { try row.decode(String.self) }
    }

    /// An order's id and number on its checkout, without a move. The waiters' bell carries the
    /// unchanged state: it answers only those waiting for any change (`If-None-Match`).
    struct RecordOrderStatement: PreparedStatement {
        typealias Row = Int
        static let sql = """
            WITH recorded AS (
                UPDATE checkouts SET order_id = $2, order_number = $3, updated_at = now() WHERE id = $1 RETURNING status)
            SELECT count(*)::int FROM (SELECT pg_notify($4, $5 || ' ' || status) FROM recorded) AS bell
            """
        static var bindingDataTypes: [PostgresDataType] { [.uuid, .uuid, .text, .text, .text] }

        var id: UUID
        var order: UUID
        var number: String
        var channel: String
        var key: String

        var values: [(any PostgresEncodable & Sendable)?] { [id, order, number, channel, key] }

        func decodeRow(_ row: PostgresRow) throws -> Int { 0 }
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
                try await move(id, to: .expired, reason: "payment_timeout", SessionFields(problem: "payment_timeout"),
                               on: connection, logger: logger)
                try await close(id, reason: "expired", correlationId: nil, on: connection, logger: logger)
            }
            return overdue.count
        }
    }

    /// Waits up to `seconds` for the checkout to answer the wait: when `known` is empty, to
    /// reach a state a storefront can act on (an order and how to pay, or an end); otherwise to
    /// have changed from the copies the caller has (their ``CheckoutSession/entityTag``s, from
    /// `If-None-Match`). Reads again when the change feed rings for it with a state that may
    /// answer (or with no state: the feed rings every watcher after it reconnects). Every
    /// write rings, so the read every five seconds is only a safety net; a ring for a state
    /// that does not answer (`reserved` on the way to a card payment's instructions) costs no
    /// read. `admitting` sees the first read before anything is waited for (the caller's
    /// ownership check; it throws to refuse). A caller that has just written the checkout
    /// passes its copy `from` a watch it started before the write committed: nothing is read
    /// until the feed rings.
    func awaitOutcome(_ id: UUID, seconds: Int, changedFrom known: [String] = [], logger: Logger,
                      from fresh: (copy: CheckoutSession, watch: ChangeFeed.Watch)? = nil,
                      admitting admit: (CheckoutSession) throws -> Void = { _ in }) async throws -> CheckoutSession? {
        func answers(_ session: CheckoutSession) -> Bool {
            known.isEmpty ? session.status.settlesWait(paymentMethod: session.paymentMethod)
                : !TaggedBody.noneMatch(known, tag: session.entityTag)
        }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(seconds)
        let watch = fresh?.watch ?? self.watch(id)
        defer { watch.cancel() }
        var session = if let fresh { fresh.copy } else { try await find(id, logger: logger) }
        if let session { try admit(session) }
        var behind = false
        while let current = session, !answers(current) {
            let remaining = deadline - clock.now
            guard remaining > .zero else { break }
            let note = await watch.wait(upTo: min(remaining, .seconds(5)))
            if known.isEmpty, let note, let moved = CheckoutStatus(rawValue: note), !moved.settlesWait(paymentMethod: current.paymentMethod) {
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
