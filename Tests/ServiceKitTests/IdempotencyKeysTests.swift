import Foundation
import Persistence
import PostgresNIO
@testable import ServiceKit
import ServiceKitTestKit
import Testing

/// Claims on PostgreSQL: what a repeat, a twin, a different request and a request that died
/// mid-way find under the same key.
@Suite("Idempotency keys: claims, answers, takeover of abandoned claims")
struct IdempotencyKeysTests {
    private let fingerprint = Data("POST /things {\"a\":1}".utf8)

    private func stored(_ database: Database, _ key: String) async throws -> (String, Int?) {
        let rows = try await database.client.query("SELECT state, response_status FROM idempotency_keys WHERE key = \(key)", logger: TestInfrastructure.logger)
        for try await row in rows.decode((String, Int?).self) { return row }
        return ("missing", nil)
    }

    @Test("a live twin gets 409, a different request 422; the answer is replayed once stored")
    func liveClaims() async throws {
        try await KitFixture.with { fixture in
            try await fixture.withDatabase { database in
                let keys = IdempotencyKeys(database: database)
                let logger = TestInfrastructure.logger
                guard case .claimed(let token) = try await keys.claim(scope: "c1", key: "k", fingerprint: fingerprint, logger: logger) else {
                    Issue.record("first claim")
                    return
                }
                await #expect(throws: Problem.self) { try await keys.claim(scope: "c1", key: "k", fingerprint: fingerprint, logger: logger) }
                do {
                    _ = try await keys.claim(scope: "c1", key: "k", fingerprint: Data("other".utf8), logger: logger)
                    Issue.record("a different request under the key is refused")
                } catch let problem as Problem {
                    #expect(problem.status == .unprocessableContent)
                }
                guard case .claimed = try await keys.claim(scope: "c2", key: "k", fingerprint: fingerprint, logger: logger) else {
                    Issue.record("another caller's key of the same name is its own")
                    return
                }
                try await database.transaction(logger: logger) { connection in
                    try await keys.store(status: 201, body: Data("{\"id\":1}".utf8), scope: "c1", key: "k", token: token, on: connection, logger: logger)
                }
                #expect(try await keys.claim(scope: "c1", key: "k", fingerprint: fingerprint, logger: logger)
                        == .answered(status: 201, body: Data("{\"id\":1}".utf8)))
            }
        }
    }

    @Test("a claim left unanswered past abandonAfter is taken over; the original can no longer store an answer")
    func abandonedClaims() async throws {
        try await KitFixture.with { fixture in
            try await fixture.withDatabase { database in
                let keys = IdempotencyKeys(database: database, abandonAfter: .seconds(60))
                let logger = TestInfrastructure.logger
                guard case .claimed(let first) = try await keys.claim(scope: "c", key: "dead", fingerprint: fingerprint, logger: logger) else {
                    Issue.record("first claim")
                    return
                }
                try await database.client.query(
                    "UPDATE idempotency_keys SET created_at = now() - interval '61 seconds' WHERE key = 'dead'", logger: logger)
                do {
                    _ = try await keys.claim(scope: "c", key: "dead", fingerprint: Data("other".utf8), logger: logger)
                    Issue.record("an abandoned claim is not given to a different request")
                } catch let problem as Problem {
                    #expect(problem.status == .unprocessableContent)
                }
                guard case .claimed(let second) = try await keys.claim(scope: "c", key: "dead", fingerprint: fingerprint, logger: logger) else {
                    Issue.record("the same request takes the abandoned claim over")
                    return
                }
                #expect(second != first)
                await #expect(throws: Problem.self, "taken over just now: a live claim again") {
                    try await keys.claim(scope: "c", key: "dead", fingerprint: fingerprint, logger: logger)
                }
                await #expect(throws: IdempotencyKeys.ClaimLost.self, "the original, still running, cannot answer") {
                    try await database.transaction(logger: logger) { connection in
                        try await keys.store(status: 201, body: Data("{\"by\":\"first\"}".utf8), scope: "c", key: "dead", token: first,
                                             on: connection, logger: logger)
                    }
                }
                #expect(try await stored(database, "dead") == ("in_progress", nil))
                try await database.transaction(logger: logger) { connection in
                    try await keys.store(status: 201, body: Data("{\"by\":\"second\"}".utf8), scope: "c", key: "dead", token: second,
                                         on: connection, logger: logger)
                }
                #expect(try await keys.claim(scope: "c", key: "dead", fingerprint: fingerprint, logger: logger)
                        == .answered(status: 201, body: Data("{\"by\":\"second\"}".utf8)))
            }
        }
    }
}
