import EventContracts
import Foundation
import Hummingbird
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceKit

/// Each settled order's trip to the POS: queued when the order is settled, pushed by
/// ``PosPusher``, retried with exponential backoff and jitter, `dead` after the last attempt
/// (admin sees it and can push again), `cancelled` when the order was cancelled first, so a
/// cancelled order never reaches the POS. An order cancelled after it reached the POS (or
/// while its push was on the way) is `withdrawing` until the POS has cancelled it too
/// (`withdrawn`; `withdraw_dead` after the last attempt, for staff to try again).
struct PosPushStore: Sendable {
    let database: Database
    let backoff: RetryBackoff
    let changes: ChangeFeed

    static let wakeKey = "pos-pushes"

    struct Push: ResponseEncodable, Sendable {
        var orderId: String
        var orderNumber: String
        var status: String
        var attempts: Int
        var nextAttemptAt: Date?
        var lastError: String?
        var posOrderId: String?
        var createdAt: Date
        var pushedAt: Date?
    }

    static let columns = """
        p.order_id, o.order_number, p.status, p.attempts, p.next_attempt_at, p.last_error, p.pos_order_id, p.created_at, p.pushed_at
        """
    typealias Row = (UUID, String, String, Int, Date, String?, String?, Date, Date?)

    static func push(_ row: Row) -> Push {
        Push(orderId: row.0.uuidString.lowercased(), orderNumber: row.1, status: row.2, attempts: row.3,
             nextAttemptAt: row.2 == "pending" ? row.4 : nil, lastError: row.5, posOrderId: row.6, createdAt: row.7, pushedAt: row.8)
    }

    /// Queues a settled order (once), when it holds goods that ship: downloads are not the
    /// POS's business.
    func queue(_ orderId: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO pos_pushes (order_id)
            SELECT o.order_id FROM fulfilment_orders o
            WHERE o.order_id = \(orderId) AND EXISTS (SELECT 1 FROM jsonb_array_elements(o.lines) l WHERE l->>'digital_file' IS NULL)
            ON CONFLICT (order_id) DO NOTHING
            """, logger: logger)
        try await ChangeFeed.notify(changes.channel, key: Self.wakeKey, on: connection, logger: logger)
    }

    /// A cancelled order's push that has not happened never will; one that has is withdrawn.
    func orderCancelled(_ orderId: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query("""
            UPDATE pos_pushes SET status = CASE WHEN status = 'pushed' THEN 'withdrawing' ELSE 'cancelled' END,
                attempts = CASE WHEN status = 'pushed' THEN 0 ELSE attempts END, next_attempt_at = now(),
                locked_until = CASE WHEN status = 'pushed' THEN NULL ELSE locked_until END, updated_at = now()
            WHERE order_id = \(orderId) AND status IN ('pending', 'dead', 'pushed') RETURNING status
            """, logger: logger)
        for try await status in rows.decode(String.self) where status == "withdrawing" {
            try await ChangeFeed.notify(changes.channel, key: Self.wakeKey, on: connection, logger: logger)
        }
    }

    /// A push the pusher holds, with the order's snapshot; or a withdrawal, with the POS's id.
    struct Claimed: Sendable, StoreOwned {
        var orderId: UUID
        var storeId: StoreID
        var attempt: Int
        var order: PosClient.Order
        /// Set when the order is to be withdrawn at the POS rather than pushed.
        var withdraw: String?
    }

    /// Takes up to `limit` due pushes and withdrawals for a minute; an order cancelled
    /// meanwhile is not pushed.
    func claimDue(limit: Int, logger: Logger) async throws -> [Claimed] {
        let rows = try await database.client.query("""
            WITH due AS (
                SELECT p.order_id FROM pos_pushes p JOIN fulfilment_orders o ON o.order_id = p.order_id
                WHERE ((p.status = 'pending' AND o.state = 'ready') OR p.status = 'withdrawing')
                  AND p.next_attempt_at <= now() AND (p.locked_until IS NULL OR p.locked_until < now())
                ORDER BY p.next_attempt_at LIMIT \(limit) FOR UPDATE OF p SKIP LOCKED)
            UPDATE pos_pushes p SET locked_until = now() + interval '60 seconds', attempts = p.attempts + 1
            FROM due, fulfilment_orders o WHERE p.order_id = due.order_id AND o.order_id = p.order_id
            RETURNING p.order_id, p.store_id, p.attempts, o.order_number, o.email, o.payment_method, o.contact::text, o.shipping_address::text, o.lines::text,
                CASE WHEN p.status = 'withdrawing' THEN p.pos_order_id END
            """, logger: logger)
        var claimed: [Claimed] = []
        let decoder = EventCoding.decoder
        for try await (id, store, attempt, number, email, method, contactText, addressText, linesText, withdraw)
            in rows.decode((UUID, UUID, Int, String, String, PaymentMethod, String?, String?, String, String?).self) {
            let contact = try contactText.map { try decoder.decode(ContactDetails.self, from: Data($0.utf8)) }
            let address = try addressText.map { try decoder.decode(ShippingAddress.self, from: Data($0.utf8)) }
            let lines = try decoder.decode([PricedLine].self, from: Data(linesText.utf8))
            claimed.append(Claimed(orderId: id, storeId: StoreID(store), attempt: attempt, order: Self.order(number: number, email: email, method: method,
                                                                                 contact: contact, address: address, lines: lines),
                                   withdraw: withdraw))
        }
        return claimed
    }

    /// The POS's shape of an order.
    static func order(number: String, email: String, method: PaymentMethod, contact: ContactDetails?, address: ShippingAddress?,
                      lines: [PricedLine]) -> PosClient.Order {
        let name = contact?.name ?? email
        let phone = contact?.phone ?? ""
        return PosClient.Order(
            customId: number, billFullName: name, billPhoneNumber: phone, billEmail: contact?.email ?? email,
            shippingAddress: .init(fullName: name, phoneNumber: phone,
                                   address: [address?.line1, address?.line2, address?.city, address?.postalCode].compactMap { $0 }.joined(separator: ", "),
                                   communeName: address?.ward, districtName: address?.district, provinceName: address?.province,
                                   countryCode: address?.country ?? "VN"),
            items: lines.filter { !$0.isDigital }.map { .init(variationId: $0.sku, quantity: $0.quantity, price: $0.unitPrice.minorUnits, name: $0.title) },
            isCod: method == .cod, note: "Order \(number)")
    }

    /// The POS has the order. If it was cancelled while the push was on its way, it is
    /// withdrawn next.
    func pushed(_ claimed: Claimed, posOrderId: String, logger: Logger) async throws {
        try await database.transaction(logger: logger) { connection in
            let rows = try await connection.query("""
                UPDATE pos_pushes SET status = CASE WHEN status = 'cancelled' THEN 'withdrawing' ELSE 'pushed' END,
                    attempts = CASE WHEN status = 'cancelled' THEN 0 ELSE attempts END, next_attempt_at = now(),
                    pos_order_id = \(posOrderId), pushed_at = now(), last_error = NULL, locked_until = NULL, updated_at = now()
                WHERE order_id = \(claimed.orderId) RETURNING status
                """, logger: logger)
            for try await status in rows.decode(String.self) where status == "withdrawing" {
                try await ChangeFeed.notify(changes.channel, key: Self.wakeKey, on: connection, logger: logger)
            }
        }
    }

    /// The POS cancelled the order too.
    func withdrawn(_ claimed: Claimed, logger: Logger) async throws {
        try await database.client.query("""
            UPDATE pos_pushes SET status = 'withdrawn', last_error = NULL, locked_until = NULL, updated_at = now()
            WHERE order_id = \(claimed.orderId) AND status = 'withdrawing'
            """, logger: logger)
    }

    func failed(_ claimed: Claimed, error: String, logger: Logger) async throws {
        let dead = backoff.exhausted(after: claimed.attempt)
        let seconds = backoff.seconds(after: claimed.attempt)
        let (waiting, given) = claimed.withdraw == nil ? ("pending", "dead") : ("withdrawing", "withdraw_dead")
        try await database.client.query("""
            UPDATE pos_pushes SET status = CASE WHEN \(dead) THEN \(given) ELSE status END, last_error = \(error), locked_until = NULL,
                next_attempt_at = now() + make_interval(secs => \(seconds)), updated_at = now()
            WHERE order_id = \(claimed.orderId) AND status = \(waiting)
            """, logger: logger)
    }

    /// Keeps a POS webhook event; false when it was already received (a repeat).
    func recordWebhookEvent(_ eventId: String, posOrder: String, status: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("""
            INSERT INTO pos_webhook_events (event_id, pos_order_id, status, outcome) VALUES (\(eventId), \(posOrder), \(status), 'received')
            ON CONFLICT (event_id, store_id) DO NOTHING RETURNING 1
            """, logger: logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }

    /// Our order the POS knows as `posOrder`, if one was pushed.
    func orderId(posOrder: String, on connection: PostgresConnection, logger: Logger) async throws -> UUID? {
        let rows = try await connection.query("SELECT order_id FROM pos_pushes WHERE pos_order_id = \(posOrder)", logger: logger)
        var found: UUID?
        for try await id in rows.decode(UUID.self) { found = id }
        return found
    }

    /// What a POS webhook event did, for the log.
    func setWebhookOutcome(_ outcome: String, of eventId: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("UPDATE pos_webhook_events SET outcome = \(outcome) WHERE event_id = \(eventId)", logger: logger)
    }

    func list(status: String?, page: PageRequest, logger: Logger) async throws -> Page<Push> {
        let rows = try await database.client.query("""
            SELECT \(unescaped: Self.columns) FROM pos_pushes p JOIN fulfilment_orders o ON o.order_id = p.order_id
            WHERE \(status)::text IS NULL OR p.status = \(status) ORDER BY p.created_at DESC, p.order_id LIMIT \(page.size) OFFSET \(page.offset)
            """, logger: logger)
        var items: [Push] = []
        for try await row in rows.decode(Row.self) { items.append(Self.push(row)) }
        let total = try await database.count(
            "SELECT count(*)::int8 FROM pos_pushes WHERE \(status)::text IS NULL OR status = \(status)", logger: logger)
        return Page(items: items, request: page, total: total)
    }

    func find(_ orderId: UUID, logger: Logger) async throws -> Push? {
        let rows = try await database.client.query("""
            SELECT \(unescaped: Self.columns) FROM pos_pushes p JOIN fulfilment_orders o ON o.order_id = p.order_id WHERE p.order_id = \(orderId)
            """, logger: logger)
        for try await row in rows.decode(Row.self) { return Self.push(row) }
        return nil
    }

    /// ``retry(_:logger:)`` for staff: answers the push as it is now; 404 for none, 409 for
    /// one that is neither dead nor waiting.
    func pushAgain(_ orderId: UUID, logger: Logger) async throws -> Push {
        guard let current = try await find(orderId, logger: logger) else { throw Problem.notFound("That order's POS push") }
        guard try await retry(orderId, logger: logger), let push = try await find(orderId, logger: logger) else {
            throw Problem.illegalTransition("This push cannot be retried.",
                                            detail: "It is \(current.status); only dead or waiting pushes, and failed withdrawals, are tried again.")
        }
        return push
    }

    /// Staff push a dead (or waiting) order again now, or try a failed withdrawal again, with
    /// a fresh set of attempts; false when there is nothing left to do.
    func retry(_ orderId: UUID, logger: Logger) async throws -> Bool {
        try await database.transaction(logger: logger) { connection in
            let rows = try await connection.query("""
                UPDATE pos_pushes SET status = CASE WHEN status = 'withdraw_dead' THEN 'withdrawing' ELSE 'pending' END,
                    attempts = 0, next_attempt_at = now(), locked_until = NULL, updated_at = now()
                WHERE order_id = \(orderId) AND status IN ('dead', 'pending', 'withdraw_dead') RETURNING 1
                """, logger: logger)
            var found = false
            for try await _ in rows.decode(Int.self) { found = true }
            if found { try await ChangeFeed.notify(changes.channel, key: Self.wakeKey, on: connection, logger: logger) }
            return found
        }
    }
}
