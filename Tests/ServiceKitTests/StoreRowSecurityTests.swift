import EventContracts
import Foundation
import Persistence
import PostgresNIO
import ServiceKit
import ServiceKitTestKit
import Testing

/// Row-level security on store-owned tables, as a service's role meets it: the defence that
/// holds even where a query forgets to name its store.
@Suite("Store-owned rows: each store sees and writes its own only")
struct StoreRowSecurityTests {
    /// A store-owned table of a test's own, made the way services make theirs.
    static let migrations = KitMigrations.all + [
        Migration(version: 100, name: "notes", sql: "CREATE TABLE notes (id uuid PRIMARY KEY, body text NOT NULL, slug text NOT NULL UNIQUE);"),
        Migration.storeOwnership(version: 101, name: "notes belong to stores", tables: ["notes"], then: """
            ALTER TABLE notes DROP CONSTRAINT notes_slug_key, ADD CONSTRAINT notes_slug_key UNIQUE (slug, store_id);
            """),
    ]

    @Test("a query without a store filter sees its store's rows only; no store sees none; across stores sees all; rows from before stores are the original store's")
    func queriesSeeTheirStore() async throws {
        try await TestSchema.with(prefix: "rls") { schema in
            try await TestInfrastructure.withClient(schema.settings) { database in
                let logger = TestInfrastructure.logger
                // A row from before stores: the migration backfills it to the original store.
                try await MigrationRunner(database: database, migrations: Array(Self.migrations.dropLast()))
                    .migrate(logger: logger)
                try await StoreScope.acrossStores {
                    try await database.client.query("INSERT INTO notes (id, body, slug) VALUES (\(UUID()), 'old', 'old')", logger: logger)
                }
                try await MigrationRunner(database: database, migrations: Self.migrations).migrate(logger: logger)

                let storeA = StoreID.new(), storeB = StoreID.new()
                for (store, body) in [(storeA, "a1"), (storeA, "a2"), (storeB, "b1")] {
                    try await StoreScope.run(for: store) {
                        try await database.client.query("INSERT INTO notes (id, body, slug) VALUES (\(UUID()), \(body), \(body))", logger: logger)
                    }
                }
                // The same slug in two stores is two rows.
                try await StoreScope.run(for: storeB) {
                    try await database.client.query("INSERT INTO notes (id, body, slug) VALUES (\(UUID()), 'b-a1', 'a1')", logger: logger)
                }

                // Many rounds over a small pool: sessions switch stores and must never keep the last one.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for round in 0..<40 {
                        group.addTask {
                            let store = round % 2 == 0 ? storeA : storeB
                            let bodies = try await StoreScope.run(for: store) { try await Self.bodies(database) }
                            #expect(bodies == (store == storeA ? ["a1", "a2"] : ["b-a1", "b1"]))
                        }
                    }
                    try await group.waitForAll()
                }
                #expect(try await StoreScope.run(for: .original) { try await Self.bodies(database) } == ["old"])
                #expect(try await StoreScope.acrossStores { try await Self.bodies(database) } == ["a1", "a2", "b-a1", "b1", "old"])
                let unscoped = try await StoreScope.$current.withValue(nil) { try await Self.bodies(database) }
                #expect(unscoped.isEmpty, "a task that names no store sees no store's rows")
            }
        }
    }

    @Test("a store cannot write another store's rows: updates miss them, inserts naming another store are refused, and an insert without a store is refused")
    func writesStayInTheirStore() async throws {
        try await TestSchema.with(prefix: "rls") { schema in
            try await TestInfrastructure.withClient(schema.settings) { database in
                let logger = TestInfrastructure.logger
                try await MigrationRunner(database: database, migrations: Self.migrations).migrate(logger: logger)
                let storeA = StoreID.new(), storeB = StoreID.new()
                let noteOfA = UUID()
                try await StoreScope.run(for: storeA) {
                    try await database.client.query("INSERT INTO notes (id, body, slug) VALUES (\(noteOfA), 'a', 'a')", logger: logger)
                }
                let changed = try await StoreScope.run(for: storeB) {
                    try await database.client.query("UPDATE notes SET body = 'taken' WHERE id = \(noteOfA) RETURNING 1", logger: logger).rows.count
                }
                #expect(changed == 0)
                let deleted = try await StoreScope.run(for: storeB) {
                    try await database.client.query("DELETE FROM notes WHERE id = \(noteOfA) RETURNING 1", logger: logger).rows.count
                }
                #expect(deleted == 0)
                #expect(try await StoreScope.run(for: storeA) { try await Self.bodies(database) } == ["a"])

                await #expect(throws: PSQLError.self) {
                    try await StoreScope.run(for: storeB) {
                        try await database.client.query(
                            "INSERT INTO notes (id, body, slug, store_id) VALUES (\(UUID()), 'forged', 'forged', \(storeA.uuid))", logger: logger)
                    }
                }
                await #expect(throws: PSQLError.self) {
                    try await StoreScope.$current.withValue(nil) {
                        try await database.client.query("INSERT INTO notes (id, body, slug) VALUES (\(UUID()), 'nobody', 'nobody')", logger: logger)
                    }
                }
                #expect(try await StoreScope.acrossStores { try await Self.bodies(database) } == ["a"])
            }
        }
    }

    static func bodies(_ database: Database) async throws -> [String] {
        var bodies: [String] = []
        for try await body in try await database.client.query("SELECT body FROM notes ORDER BY body", logger: TestInfrastructure.logger).decode(String.self) {
            bodies.append(body)
        }
        return bodies
    }
}
