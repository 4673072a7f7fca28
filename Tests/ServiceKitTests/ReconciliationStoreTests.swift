import Foundation
@testable import ServiceKit
import ServiceKitTestKit
import Testing

@Suite("Reconciliation: the outbox backlog check, and findings that open, stay and close")
struct ReconciliationStoreTests {
    @Test("an outbox row unpublished past the threshold is reported; a finding stays open while found and closes when not")
    func backlogAndFindings() async throws {
        try await KitFixture.with { fixture in
            try await fixture.withDatabase { database in
                let logger = fixture.logger
                let check = ReconciliationCheck.outboxBacklog(database: database, threshold: .seconds(60))
                let store = ReconciliationStore(database: database)
                try await fixture.enqueue("waiting", on: database)
                #expect(try await check.run(logger).isEmpty, "a fresh row is not a backlog")
                try await database.client.query("UPDATE outbox SET created_at = now() - interval '5 minutes'", logger: logger)
                let found = try await check.run(logger)
                #expect(found.count == 1)
                #expect(found.first?.detail.hasPrefix("shop.probe.sent.v1 unpublished for ") == true)

                try await store.record(check.name, mismatches: found, logger: logger)
                let first = try #require(try await store.openFindings(limit: 10, logger: logger).first)
                try await Task.sleep(for: .milliseconds(20))
                try await store.record(check.name, mismatches: found, logger: logger)
                let again = try await store.openFindings(limit: 10, logger: logger)
                #expect(again.count == 1, "seen again: still one finding")
                #expect(again.first?.firstSeenAt == first.firstSeenAt && again.first!.lastSeenAt > first.lastSeenAt)

                try await database.client.query("UPDATE outbox SET published_at = now()", logger: logger)
                try await store.record(check.name, mismatches: try await check.run(logger), logger: logger)
                #expect(try await store.openFindings(limit: 10, logger: logger).isEmpty)
                let run = try #require(try await store.runs(logger: logger).first)
                #expect(run.check == "outbox-backlog" && run.mismatches == 0 && run.error == nil)
                #expect(try await fixture.count("SELECT count(*)::int FROM reconciliation_findings WHERE resolved_at IS NOT NULL", on: database) == 1)

                try await store.recordFailure(check.name, error: "provider unreachable", logger: logger)
                #expect(try await store.runs(logger: logger).first?.error == "provider unreachable")
            }
        }
    }
}
