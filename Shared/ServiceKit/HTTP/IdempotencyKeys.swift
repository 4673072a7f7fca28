import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PostgresNIO

/// `Idempotency-Key` for routes that create something once (a checkout, a refund): the same
/// key with the same request answers the first response again; the same key with a different
/// request is 422; a request whose twin is still running is 409. Keys are kept at least
/// ``retention`` (24 hours by default) and scoped per caller, so one customer's key never
/// replays another's response.
///
/// The key is claimed in its own short transaction, so that a concurrent twin sees it at
/// once; the answer is stored in the same transaction as the route's effect, so a stored
/// answer always describes something that happened. A route that fails gives its key back.
public struct IdempotencyKeys: Sendable {
    public static let header = HTTPField.Name("Idempotency-Key")!
    /// Set on a response that repeats a stored one.
    public static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!

    let database: Database
    public let retention: Duration

    public init(database: Database, retention: Duration = .seconds(24 * 3600)) {
        self.database = database
        self.retention = retention
    }

    /// The request's key: 1 to 255 visible ASCII characters.
    public static func key(of request: Request) throws -> String {
        guard let key = request.headers[header] else {
            throw Problem.validation([.init(field: "Idempotency-Key", message: "is required (a unique value per intended operation, such as a UUID)")])
        }
        guard (1...255).contains(key.count), key.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
            throw Problem.validation([.init(field: "Idempotency-Key", message: "must be 1 to 255 visible ASCII characters")])
        }
        return key
    }

    /// The JSON answer of a keyed request: the first one, or its stored copy.
    public struct Answer: Sendable {
        public var status: HTTPResponse.Status
        public var body: Data
        public var replayed: Bool

        public var response: Response {
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            if replayed { headers[IdempotencyKeys.replayedHeader] = "true" }
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(data: body)))
        }
    }

    /// Runs `perform` once per key: its answer is encoded, stored with the key in the same
    /// transaction, and returned; a repeat of the request gets the stored answer.
    public func respond<Result: Encodable & Sendable>(
        to request: Request, context: ServiceRequestContext, scope: String, bytes: Data, status: HTTPResponse.Status,
        perform: (PostgresConnection) async throws -> Result
    ) async throws -> Answer {
        let key = try Self.key(of: request)
        var digest = SHA256()
        digest.update(data: Data("\(request.method.rawValue) \(request.uri.path)\n".utf8))
        digest.update(data: Self.canonical(bytes))
        let fingerprint = Data(digest.finalize())
        if let (storedStatus, body) = try await claim(scope: scope, key: key, fingerprint: fingerprint, logger: context.logger) {
            return Answer(status: .init(code: storedStatus), body: body, replayed: true)
        }
        do {
            let body = try await database.transaction(logger: context.logger) { connection -> Data in
                let answer = try await perform(connection)
                let body = try context.responseEncoder.encode(answer)
                try await connection.query("""
                    UPDATE idempotency_keys SET state = 'done', response_status = \(Int(status.code)), response_body = \(ByteBuffer(data: body))
                    WHERE scope = \(scope) AND key = \(key)
                    """, logger: context.logger)
                return body
            }
            return Answer(status: status, body: body, replayed: false)
        } catch {
            _ = try? await database.client.query(
                "DELETE FROM idempotency_keys WHERE scope = \(scope) AND key = \(key) AND state = 'in_progress'", logger: context.logger)
            throw error
        }
    }

    /// The request body with its JSON object keys sorted, so that the same request sent
    /// from a client whose maps do not keep key order is still recognised as the same.
    static func canonical(_ bytes: Data) -> Data {
        guard let object = try? JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed]),
              let sorted = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed]) else { return bytes }
        return sorted
    }

    /// Claims the key (nil), or returns the stored answer of the same request; a different
    /// request under the key, or a twin still running, is a problem.
    private func claim(scope: String, key: String, fingerprint: Data, logger: Logger) async throws -> (Int, Data)? {
        let seconds = Int(retention.components.seconds)
        for _ in 0..<2 {
            let inserted = try await database.client.query("""
                INSERT INTO idempotency_keys (scope, key, fingerprint, state) VALUES (\(scope), \(key), \(ByteBuffer(data: fingerprint)), 'in_progress')
                ON CONFLICT (scope, key) DO NOTHING RETURNING 1
                """, logger: logger)
            for try await _ in inserted.decode(Int.self) { return nil }
            let rows = try await database.client.query("""
                SELECT fingerprint, state, response_status, response_body, created_at < now() - make_interval(secs => \(seconds))
                FROM idempotency_keys WHERE scope = \(scope) AND key = \(key)
                """, logger: logger)
            for try await (stored, state, status, body, expired) in rows.decode((ByteBuffer, String, Int?, ByteBuffer?, Bool).self) {
                if expired {
                    try await database.client.query(
                        "DELETE FROM idempotency_keys WHERE scope = \(scope) AND key = \(key) AND state = 'done'", logger: logger)
                    break
                }
                guard Data(stored.readableBytesView) == fingerprint else {
                    throw Problem(status: .unprocessableContent, type: "idempotency-key-reused",
                                  title: "This Idempotency-Key was used for a different request.",
                                  detail: "Use a new key for a new request; repeat a request only with its exact body.",
                                  errors: [.init(field: "Idempotency-Key", message: "was used for a different request")])
                }
                guard state == "done", let status, let body else {
                    throw Problem(status: .conflict, type: "request-in-progress", title: "The same request is still being processed.",
                                  detail: "Retry shortly with the same Idempotency-Key to get its answer.",
                                  errors: [.init(field: "Idempotency-Key", message: "a request with this key is in progress")])
                }
                return (status, Data(body.readableBytesView))
            }
        }
        throw Problem(status: .conflict, type: "request-in-progress", title: "The same request is still being processed.",
                      errors: [.init(field: "Idempotency-Key", message: "a request with this key is in progress")])
    }

    /// Forgets keys older than the retention (a periodic job calls this).
    @discardableResult
    public func purge(logger: Logger) async throws -> Int {
        let seconds = Int(retention.components.seconds)
        let rows = try await database.client.query("""
            WITH gone AS (DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => \(seconds)) RETURNING 1)
            SELECT count(*)::int8 FROM gone
            """, logger: logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }
}
