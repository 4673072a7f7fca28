import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Persistence
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
/// A claim whose request died without answering (a process killed mid-way) is taken over by
/// the same request after ``abandonAfter``; each claim carries a token, and only the holder of
/// the current token can store an answer, so a slow original and its successor never both
/// take effect.
public struct IdempotencyKeys: Sendable {
    public static let header = HTTPField.Name("Idempotency-Key")!
    /// Set on a response that repeats a stored one.
    public static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!

    let database: Database
    public let retention: Duration
    /// How long an unanswered claim holds its key against the same request.
    public let abandonAfter: Duration

    public init(database: Database, retention: Duration = .seconds(24 * 3600), abandonAfter: Duration = .seconds(60)) {
        self.database = database
        self.retention = retention
        self.abandonAfter = abandonAfter
    }

    /// What claiming a key found.
    enum Claim: Equatable {
        /// The key is this request's now; store the answer with this token.
        case claimed(token: UUID)
        /// The same request was answered before.
        case answered(status: Int, body: Data)
    }

    /// Another request took the key over while this one was running.
    struct ClaimLost: Error {}

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
        let token: UUID
        switch try await claim(scope: scope, key: key, fingerprint: fingerprint, logger: context.logger) {
        case .answered(let storedStatus, let body):
            return Answer(status: .init(code: storedStatus), body: body, replayed: true)
        case .claimed(let claimToken):
            token = claimToken
        }
        do {
            let body = try await database.transaction(logger: context.logger) { connection -> Data in
                let answer = try await perform(connection)
                let body = try context.responseEncoder.encode(answer)
                try await store(status: Int(status.code), body: body, scope: scope, key: key, token: token, on: connection, logger: context.logger)
                return body
            }
            return Answer(status: status, body: body, replayed: false)
        } catch is ClaimLost {
            throw Self.inProgress
        } catch {
            _ = try? await database.client.query("""
                DELETE FROM idempotency_keys WHERE scope = \(scope) AND key = \(key) AND state = 'in_progress' AND claim_token = \(token)
                """, logger: context.logger)
            throw error
        }
    }

    /// Stores the answer in the effect's transaction; throws ``ClaimLost`` (rolling the effect
    /// back) when the claim was taken over meanwhile.
    func store(status: Int, body: Data, scope: String, key: String, token: UUID,
               on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query("""
            UPDATE idempotency_keys SET state = 'done', response_status = \(status), response_body = \(ByteBuffer(data: body))
            WHERE scope = \(scope) AND key = \(key) AND state = 'in_progress' AND claim_token = \(token) RETURNING 1
            """, logger: logger)
        for try await _ in rows.decode(Int.self) { return }
        throw ClaimLost()
    }

    static let inProgress = Problem(status: .conflict, type: "request-in-progress", title: "The same request is still being processed.",
                                    detail: "Retry shortly with the same Idempotency-Key to get its answer.",
                                    errors: [.init(field: "Idempotency-Key", message: "a request with this key is in progress")])

    /// The request body with its JSON object keys sorted, so that the same request sent
    /// from a client whose maps do not keep key order is still recognised as the same.
    static func canonical(_ bytes: Data) -> Data {
        guard let object = try? JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed]),
              let sorted = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed]) else { return bytes }
        return sorted
    }

    /// Claims the key, or returns the stored answer of the same request; a different request
    /// under the key, or a live twin still running, is a problem. An unanswered claim older
    /// than ``abandonAfter`` is taken over by the same request.
    func claim(scope: String, key: String, fingerprint: Data, logger: Logger) async throws -> Claim {
        let seconds = Int(retention.components.seconds)
        let abandoned = Int(abandonAfter.components.seconds)
        for _ in 0..<2 {
            let token = UUID()
            let inserted = try await database.client.query("""
                INSERT INTO idempotency_keys (scope, key, fingerprint, state, claim_token)
                VALUES (\(scope), \(key), \(ByteBuffer(data: fingerprint)), 'in_progress', \(token))
                ON CONFLICT (scope, key, store_id) DO NOTHING RETURNING 1
                """, logger: logger)
            for try await _ in inserted.decode(Int.self) { return .claimed(token: token) }
            let rows = try await database.client.query("""
                SELECT fingerprint, state, response_status, response_body, created_at < now() - make_interval(secs => \(seconds)),
                       created_at < now() - make_interval(secs => \(abandoned))
                FROM idempotency_keys WHERE scope = \(scope) AND key = \(key)
                """, logger: logger)
            for try await (stored, state, status, body, expired, stale) in rows.decode((ByteBuffer, String, Int?, ByteBuffer?, Bool, Bool).self) {
                if expired && state == "done" {
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
                if state == "done", let status, let body { return .answered(status: status, body: Data(body.readableBytesView)) }
                guard stale else { throw Self.inProgress }
                let takenOver = try await database.client.query("""
                    UPDATE idempotency_keys SET claim_token = \(token), created_at = now()
                    WHERE scope = \(scope) AND key = \(key) AND state = 'in_progress'
                      AND created_at < now() - make_interval(secs => \(abandoned)) RETURNING 1
                    """, logger: logger)
                for try await _ in takenOver.decode(Int.self) { return .claimed(token: token) }
            }
        }
        throw Self.inProgress
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
