import Foundation
import Persistence
import PostgresNIO
import ServiceKit
import ServiceKitTestKit
import Testing

@Suite("Migrations and schema ownership")
struct MigrationTests {
    @Test("two replicas migrating at once apply each migration exactly once")
    func concurrentMigrations() async throws {
        try await TestSchema.with(prefix: "mig") { schema in
            let migrations = KitMigrations.all + [Migration(version: 100, name: "things", sql: """
                CREATE TABLE things (id int PRIMARY KEY);
                INSERT INTO things VALUES (1);
                """)]
            let applied = try await TestInfrastructure.withClient(schema.settings) { database async throws in
                try await withThrowingTaskGroup(of: [Int].self) { group in
                    for _ in 0..<2 {
                        group.addTask { try await MigrationRunner(database: database, migrations: migrations).migrate(logger: TestInfrastructure.logger) }
                    }
                    var all: [[Int]] = []
                    for try await versions in group { all.append(versions) }
                    return all
                }
            }
            #expect(applied.flatMap { $0 }.sorted() == migrations.map(\.version).sorted(), "each version applied by exactly one replica")
        }
    }

    @Test("a service role cannot read another service's schema")
    func rolesAreIsolated() async throws {
        // The roles and schemas ./suite creates in the test database, as a deployment does.
        var components = URLComponents(string: TestInfrastructure.adminDatabaseURL)!
        components.user = "catalog"
        components.password = "catalog-local"
        let catalog = try DatabaseSettings(url: components.string!, schema: "catalog", maxConnections: 2)
        let error = try await TestInfrastructure.withClient(catalog) { database -> PSQLError? in
            do {
                try await database.client.query("SELECT count(*) FROM orders.schema_migrations")
                return nil
            } catch let error as PSQLError {
                return error
            }
        }
        let refused = try #require(error, "the query must fail")
        #expect(refused.serverInfo?[.sqlState] == "42501", "insufficient_privilege")
        #expect(refused.serverInfo?[.message]?.contains("permission denied for schema orders") == true)
    }
}
