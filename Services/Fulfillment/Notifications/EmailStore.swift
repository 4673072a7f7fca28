import EventContracts
import Foundation
import Hummingbird
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceKit

/// The emails owed to customers: rendered and queued in the transaction that consumed their
/// event (once per event and kind), handed to the SMTP server by ``EmailSender``, retried with
/// backoff, `dead` after the last attempt or a permanent refusal (staff see it and can send it
/// again). Also the address book of registered customers, for mail that names only a customer.
struct EmailStore: Sendable {
    let database: Database
    let changes: ChangeFeed
    let backoff: RetryBackoff

    static let wakeKey = "customer-emails"
    static let statuses = ["pending", "sent", "dead"]

    /// One email as staff see it: who, what and how it went, never its body.
    struct Record: ResponseEncodable, Sendable {
        var id: String
        var kind: String
        var eventId: String
        var orderId: String?
        var recipient: String
        var language: String
        var subject: String
        var status: String
        var attempts: Int
        var nextAttemptAt: Date?
        var lastError: String?
        var createdAt: Date
        var sentAt: Date?
    }

    private static let columns = """
        id, kind, event_id, order_id, recipient, language, subject, status, attempts, next_attempt_at, last_error, created_at, sent_at
        """
    private typealias Row = (UUID, String, String, UUID?, String, String, String, String, Int, Date, String?, Date, Date?)

    private static func record(_ row: Row) -> Record {
        Record(id: row.0.uuidString.lowercased(), kind: row.1, eventId: row.2, orderId: row.3?.uuidString.lowercased(), recipient: row.4,
               language: row.5, subject: row.6, status: row.7, attempts: row.8, nextAttemptAt: row.7 == "pending" ? row.9 : nil,
               lastError: row.10, createdAt: row.11, sentAt: row.12)
    }

    // MARK: Address book

    func remember(customer: UUID, email: String, name: String?, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO recipients (customer_id, email, name) VALUES (\(customer), \(email), \(name))
            ON CONFLICT (customer_id, store_id) DO UPDATE SET email = excluded.email, name = coalesce(excluded.name, recipients.name), updated_at = now()
            """, logger: logger)
    }

    func recipient(of customer: UUID, on connection: PostgresConnection, logger: Logger) async throws -> (email: String, name: String?)? {
        let rows = try await connection.query("SELECT email, name FROM recipients WHERE customer_id = \(customer)", logger: logger)
        for try await (email, name) in rows.decode((String, String?).self) { return (email, name) }
        return nil
    }

    // MARK: Queue

    /// What ``CustomerNotifications`` asks to be sent.
    struct Outgoing: Sendable {
        var kind: EmailKind
        var eventId: String
        var orderId: UUID?
        var customerId: UUID?
        var recipient: String
        var recipientName: String?
        var language: EmailLanguage
        var content: EmailTemplates.Rendered
        /// For reminders: where one-click unsubscribes post (`List-Unsubscribe`).
        var unsubscribeURL: String? = nil
    }

    /// Queues an email in the consumer's transaction and wakes the sender when it commits, in
    /// one round trip; the same event's email again is ignored (and wakes nobody).
    func queue(_ email: Outgoing, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            WITH queued AS (
                INSERT INTO customer_emails (id, event_id, kind, order_id, customer_id, recipient, recipient_name, language, subject, text_body,
                                             html_body, unsubscribe_url)
                VALUES (gen_random_uuid(), \(email.eventId), \(email.kind.rawValue), \(email.orderId), \(email.customerId), \(email.recipient),
                        \(email.recipientName), \(email.language.rawValue), \(email.content.subject), \(email.content.text), \(email.content.html),
                        \(email.unsubscribeURL))
                ON CONFLICT (event_id, kind) DO NOTHING RETURNING 1)
            SELECT count(*) FROM (SELECT pg_notify(\(changes.channel), \(Self.wakeKey)) FROM queued) AS bell
            """, logger: logger)
    }

    /// An email the sender holds.
    struct Claimed: Sendable, StoreOwned {
        var id: UUID
        var storeId: StoreID
        var kind: String
        var eventId: String
        var recipient: String
        var recipientName: String?
        var subject: String
        var text: String
        var html: String
        var attempt: Int
        var createdAt: Date
        var unsubscribeURL: String?
    }

    /// Takes up to `limit` due emails for two minutes (another replica skips them).
    func claimDue(limit: Int, logger: Logger) async throws -> [Claimed] {
        let rows = try await database.client.query("""
            WITH due AS (
                SELECT id FROM customer_emails
                WHERE status = 'pending' AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until < now())
                ORDER BY next_attempt_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            UPDATE customer_emails e SET locked_until = now() + interval '120 seconds', attempts = e.attempts + 1
            FROM due WHERE e.id = due.id
            RETURNING e.id, e.store_id, e.kind, e.event_id, e.recipient, e.recipient_name, e.subject, e.text_body, e.html_body, e.attempts, e.created_at,
                e.unsubscribe_url
            """, logger: logger)
        var claimed: [Claimed] = []
        for try await (id, store, kind, event, recipient, name, subject, text, html, attempt, created, unsubscribe)
            in rows.decode((UUID, UUID, String, String, String, String?, String, String, String, Int, Date, String?).self) {
            claimed.append(Claimed(id: id, storeId: StoreID(store), kind: kind, eventId: event, recipient: recipient, recipientName: name, subject: subject,
                                   text: text, html: html, attempt: attempt, createdAt: created, unsubscribeURL: unsubscribe))
        }
        return claimed
    }

    /// The server took the email. A reset link's body is erased: it is a key to an account.
    func sent(_ email: Claimed, logger: Logger) async throws {
        let erase = EmailKind(rawValue: email.kind)?.holdsSecret ?? false
        try await database.client.query("""
            UPDATE customer_emails SET status = 'sent', sent_at = now(), locked_until = NULL, last_error = NULL,
                text_body = CASE WHEN \(erase) THEN '' ELSE text_body END, html_body = CASE WHEN \(erase) THEN '' ELSE html_body END
            WHERE id = \(email.id)
            """, logger: logger)
    }

    /// The send failed: wait the backoff and try again, or give up (last attempt, or a
    /// refusal the server will repeat).
    func failed(_ email: Claimed, error: String, permanent: Bool, logger: Logger) async throws {
        let dead = permanent || backoff.exhausted(after: email.attempt)
        try await database.client.query("""
            UPDATE customer_emails SET status = CASE WHEN \(dead) THEN 'dead' ELSE status END, last_error = \(error), locked_until = NULL,
                next_attempt_at = now() + make_interval(secs => \(backoff.seconds(after: email.attempt)))
            WHERE id = \(email.id) AND status = 'pending'
            """, logger: logger)
    }

    // MARK: Staff

    func list(status: String?, order: UUID?, page: PageRequest, logger: Logger) async throws -> Page<Record> {
        let rows = try await database.client.query("""
            SELECT \(unescaped: Self.columns) FROM customer_emails
            WHERE (\(status)::text IS NULL OR status = \(status)) AND (\(order)::uuid IS NULL OR order_id = \(order))
            ORDER BY created_at DESC, id LIMIT \(page.size) OFFSET \(page.offset)
            """, logger: logger)
        var items: [Record] = []
        for try await row in rows.decode(Row.self) { items.append(Self.record(row)) }
        let total = try await database.count("""
            SELECT count(*)::int8 FROM customer_emails
            WHERE (\(status)::text IS NULL OR status = \(status)) AND (\(order)::uuid IS NULL OR order_id = \(order))
            """, logger: logger)
        return Page(items: items, request: page, total: total)
    }

    func find(_ id: UUID, logger: Logger) async throws -> Record? {
        let rows = try await database.client.query("SELECT \(unescaped: Self.columns) FROM customer_emails WHERE id = \(id)", logger: logger)
        for try await row in rows.decode(Row.self) { return Self.record(row) }
        return nil
    }

    /// ``resend(_:logger:)`` for staff: answers the email as it is now; 404 for none, 409 for
    /// one that is not dead.
    func sendAgain(_ id: UUID, logger: Logger) async throws -> Record {
        guard let current = try await find(id, logger: logger) else { throw Problem.notFound("That email") }
        guard try await resend(id, logger: logger), let email = try await find(id, logger: logger) else {
            throw Problem.illegalTransition("This email cannot be sent again.", detail: "It is \(current.status); only dead emails are sent again.")
        }
        return email
    }

    /// Staff send a dead email again now, with a fresh set of attempts; false when it is not
    /// dead (or its body was erased after sending).
    func resend(_ id: UUID, logger: Logger) async throws -> Bool {
        try await database.transaction(logger: logger) { connection in
            let rows = try await connection.query("""
                UPDATE customer_emails SET status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = NULL
                WHERE id = \(id) AND status = 'dead' RETURNING 1
                """, logger: logger)
            var found = false
            for try await _ in rows.decode(Int.self) { found = true }
            if found { try await ChangeFeed.notify(changes.channel, key: Self.wakeKey, on: connection, logger: logger) }
            return found
        }
    }
}
