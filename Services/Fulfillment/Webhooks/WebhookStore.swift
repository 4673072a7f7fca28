import EventContracts
import Foundation
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceKit

/// Merchant endpoints and the deliveries owed to them: queued in the transaction that
/// consumed the event (once per endpoint and event), claimed by the dispatcher a batch at a
/// time, retried on the configured schedule, kept as a log staff can read and replay.
struct WebhookStore: Sendable {
    let database: Database
    let changes: ChangeFeed
    /// Seconds to wait before each retry; when they run out the delivery has failed.
    let retrySchedule: [Int]
    /// Which event types have an active endpoint, kept between events.
    let subscriptions: WebhookSubscriptions

    init(database: Database, changes: ChangeFeed, retrySchedule: [Int]) {
        self.database = database
        self.changes = changes
        self.retrySchedule = retrySchedule
        self.subscriptions = WebhookSubscriptions(changes: changes)
    }

    static let wakeKey = "webhook-deliveries"

    // MARK: Endpoints

    func register(url: URL, types: [String], secret: String, description: String?, by actor: String, logger: Logger) async throws -> WebhookEndpoint {
        let id = UUID()
        let rows = try await database.client.query("""
            INSERT INTO webhook_endpoints (id, url, description, event_types, secret, created_by)
            VALUES (\(id), \(url.absoluteString), \(description), \(types), \(secret), \(actor))
            RETURNING \(unescaped: WebhookEndpoint.columns)
            """, logger: logger)
        var registered: WebhookEndpoint?
        for try await row in rows.decode(WebhookEndpoint.Row.self) { registered = WebhookEndpoint(row: row) }
        subscriptions.forget()
        guard var endpoint = registered else { throw Problem.notFound("That endpoint") }
        endpoint.secret = secret
        return endpoint
    }

    func endpoint(_ id: UUID, logger: Logger) async throws -> WebhookEndpoint? {
        let rows = try await database.client.query(
            "SELECT \(unescaped: WebhookEndpoint.columns) FROM webhook_endpoints WHERE id = \(id)", logger: logger)
        for try await row in rows.decode(WebhookEndpoint.Row.self) { return WebhookEndpoint(row: row) }
        return nil
    }

    func endpoints(page: PageRequest, logger: Logger) async throws -> Page<WebhookEndpoint> {
        let rows = try await database.client.query("""
            SELECT \(unescaped: WebhookEndpoint.columns) FROM webhook_endpoints ORDER BY created_at DESC, id LIMIT \(page.size) OFFSET \(page.offset)
            """, logger: logger)
        var items: [WebhookEndpoint] = []
        for try await row in rows.decode(WebhookEndpoint.Row.self) { items.append(WebhookEndpoint(row: row)) }
        return Page(items: items, request: page, total: try await database.count("SELECT count(*)::int8 FROM webhook_endpoints", logger: logger))
    }

    /// Stops (or resumes) deliveries to an endpoint; returns it, or nil when unknown.
    func setActive(_ id: UUID, _ active: Bool, logger: Logger) async throws -> WebhookEndpoint? {
        let rows = try await database.client.query("""
            UPDATE webhook_endpoints SET active = \(active), updated_at = now() WHERE id = \(id) RETURNING \(unescaped: WebhookEndpoint.columns)
            """, logger: logger)
        var changed: WebhookEndpoint?
        for try await row in rows.decode(WebhookEndpoint.Row.self) { changed = WebhookEndpoint(row: row) }
        subscriptions.forget()
        return changed
    }

    // MARK: Deliveries

    /// Queues `envelope` for every active endpoint that subscribed to its type, in the
    /// consumer's transaction; a redelivered event queues nothing new.
    func queue(_ envelope: EventEnvelope, on connection: PostgresConnection, logger: Logger) async throws {
        guard try await subscriptions.anySubscribes(to: envelope.type, on: connection, logger: logger) else { return }
        let payload = ByteBuffer(data: try Self.payload(of: envelope))
        var queued = false
        for try await _ in try await connection.execute(QueueStatement(eventID: envelope.id, type: envelope.type, payload: payload),
                                                        logger: logger) { queued = true }
        if queued { try await ChangeFeed.notify(changes.channel, key: Self.wakeKey, on: connection, logger: logger) }
    }

    /// The body merchants receive: `{"type", "timestamp", "data"}` as Standard Webhooks
    /// suggests, plus the event's `id` and `subject`.
    static func payload(of envelope: EventEnvelope) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        func quoted(_ text: String) throws -> Data { try encoder.encode(text) }
        var body = Data("{\"type\":".utf8)
        body.append(try quoted(envelope.type))
        body.append(Data(",\"timestamp\":".utf8))
        body.append(try quoted(RFC3339.string(from: envelope.time)))
        body.append(Data(",\"id\":".utf8))
        body.append(try quoted(envelope.id))
        body.append(Data(",\"subject\":".utf8))
        body.append(try quoted(envelope.subject))
        body.append(Data(",\"data\":".utf8))
        body.append(envelope.data)
        body.append(Data("}".utf8))
        return body
    }

    /// A delivery the dispatcher holds: what to send where.
    struct Claimed: Sendable, StoreOwned {
        var id: UUID
        var storeId: StoreID
        var url: String
        var secret: String
        var payload: Data
        var attempt: Int
    }

    /// Takes up to `limit` due deliveries for a minute (another replica skips them).
    func claimDue(limit: Int, logger: Logger) async throws -> [Claimed] {
        let rows = try await database.client.query("""
            WITH due AS (
                SELECT d.id FROM webhook_deliveries d
                WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND (d.locked_until IS NULL OR d.locked_until < now())
                ORDER BY d.next_attempt_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            UPDATE webhook_deliveries d SET locked_until = now() + interval '60 seconds', attempts = d.attempts + 1
            FROM due, webhook_endpoints e WHERE d.id = due.id AND e.id = d.endpoint_id
            RETURNING d.id, d.store_id, e.url, e.secret, d.payload, d.attempts
            """, logger: logger)
        var claimed: [Claimed] = []
        for try await (id, store, url, secret, payload, attempt) in rows.decode((UUID, UUID, String, String, ByteBuffer, Int).self) {
            claimed.append(Claimed(id: id, storeId: StoreID(store), url: url, secret: secret, payload: Data(payload.readableBytesView), attempt: attempt))
        }
        return claimed
    }

    /// Records an attempt: delivered on 2xx; otherwise retried after the schedule's next
    /// wait, or failed when the schedule is spent.
    func record(_ delivery: Claimed, statusCode: Int?, error: String?, duration: Duration, logger: Logger) async throws {
        let succeeded = statusCode.map { (200..<300).contains($0) } ?? false
        let retryAfter = delivery.attempt <= retrySchedule.count ? retrySchedule[delivery.attempt - 1] : nil
        let status = succeeded ? "succeeded" : retryAfter == nil ? "failed" : "pending"
        let milliseconds = Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
        try await database.transaction(logger: logger) { connection in
            try await connection.query("""
                INSERT INTO webhook_attempts (delivery_id, attempt, status_code, error, duration_ms)
                VALUES (\(delivery.id), \(delivery.attempt), \(statusCode), \(error), \(milliseconds))
                """, logger: logger)
            try await connection.query("""
                UPDATE webhook_deliveries SET status = \(status), last_status_code = \(statusCode), last_error = \(error), locked_until = NULL,
                    next_attempt_at = now() + make_interval(secs => \(Double(retryAfter ?? 0))),
                    delivered_at = CASE WHEN \(succeeded) THEN now() ELSE delivered_at END
                WHERE id = \(delivery.id)
                """, logger: logger)
        }
    }

    func deliveries(endpoint: UUID, status: String?, page: PageRequest, logger: Logger) async throws -> Page<WebhookDelivery> {
        let rows = try await database.client.query("""
            SELECT \(unescaped: WebhookDelivery.columns) FROM webhook_deliveries d
            WHERE d.endpoint_id = \(endpoint) AND (\(status)::text IS NULL OR d.status = \(status))
            ORDER BY d.created_at DESC, d.id LIMIT \(page.size) OFFSET \(page.offset)
            """, logger: logger)
        var items: [WebhookDelivery] = []
        for try await row in rows.decode(WebhookDelivery.Row.self) { items.append(try WebhookDelivery(row: row)) }
        let total = try await database.count("""
            SELECT count(*)::int8 FROM webhook_deliveries WHERE endpoint_id = \(endpoint) AND (\(status)::text IS NULL OR status = \(status))
            """, logger: logger)
        return Page(items: items, request: page, total: total)
    }

    func delivery(_ id: UUID, logger: Logger) async throws -> WebhookDelivery? {
        let rows = try await database.client.query(
            "SELECT \(unescaped: WebhookDelivery.columns) FROM webhook_deliveries d WHERE d.id = \(id)", logger: logger)
        for try await row in rows.decode(WebhookDelivery.Row.self) { return try WebhookDelivery(row: row) }
        return nil
    }

    /// Sends a delivery again now, with a fresh retry schedule (its attempt log is kept).
    func replay(_ id: UUID, logger: Logger) async throws -> Bool {
        try await database.transaction(logger: logger) { connection in
            let rows = try await connection.query("""
                UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = NULL
                WHERE id = \(id) RETURNING 1
                """, logger: logger)
            var found = false
            for try await _ in rows.decode(Int.self) { found = true }
            if found { try await ChangeFeed.notify(changes.channel, key: Self.wakeKey, on: connection, logger: logger) }
            return found
        }
    }

}

extension WebhookStore {
    /// One delivery per active endpoint subscribed to the event's type: run for every event
    /// merchants may subscribe to, endpoints or not, so prepared once per connection.
    struct QueueStatement: PreparedStatement {
        typealias Row = Int
        static let sql = """
            INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, payload)
            SELECT gen_random_uuid(), e.id, $1, $2, $3 FROM webhook_endpoints e WHERE e.active AND $2 = ANY(e.event_types)
            ON CONFLICT (endpoint_id, event_id) DO NOTHING RETURNING 1
            """
        static var bindingDataTypes: [PostgresDataType] { [.text, .text, .bytea] }

        var eventID: String
        var type: String
        var payload: ByteBuffer
        var values: [(any PostgresEncodable & Sendable)?] { [eventID, type, payload] }

        func decodeRow(_ row: PostgresRow) throws -> Int { try row.decode(Int.self) }
    }
}
