import Logging
import PostgresNIO

/// Applies a service's migrations to its schema.
///
/// All of it runs in one transaction that first takes a transaction-scoped advisory lock
/// keyed by the schema, so two replicas starting at once apply each migration exactly once:
/// the second waits, then finds everything recorded.
public struct MigrationRunner: Sendable {
    public let database: Database
    public let migrations: [Migration]

    public init(database: Database, migrations: [Migration]) {
        precondition(Set(migrations.map(\.version)).count == migrations.count, "migration versions must be unique")
        self.database = database
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Applies what is missing; returns the versions applied by this call.
    @discardableResult
    public func migrate(logger: Logger) async throws -> [Int] {
        let schema = database.settings.schema
        let migrations = self.migrations
        // Migrations backfill and reshape every store's rows.
        return try await StoreScope.acrossStores { try await database.transaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(schema)), 1::int4)", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, logger: logger)
            var applied = Set<Int>()
            for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: logger).decode(Int.self) {
                applied.insert(version)
            }
            var newlyApplied: [Int] = []
            for migration in migrations where !applied.contains(migration.version) {
                logger.info("applying migration", metadata: ["migration.version": "\(migration.version)", "migration.name": "\(migration.name)"])
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger)
                newlyApplied.append(migration.version)
            }
            return newlyApplied
        } }
    }
}
