import Foundation
import Persistence
import PostgresNIO
import ServiceKit

/// A fresh login role owning a fresh schema in the test database, as the deployment sets up
/// for each service, so kit tests run with the same privileges a service has.
public struct TestSchema: Sendable {
    public let name: String
    public let settings: DatabaseSettings

    /// Creates the role and schema.
    public static func create(prefix: String = "t") async throws -> TestSchema {
        let name = TestInfrastructure.uniqueName(prefix)
        let password = UUID().uuidString
        try await runAsAdmin([
            "CREATE ROLE \(name) LOGIN PASSWORD '\(password)'",
            "CREATE SCHEMA \(name) AUTHORIZATION \(name)",
            "GRANT CONNECT, TEMPORARY ON DATABASE commerce_test TO \(name)",
        ])
        var components = URLComponents(string: TestInfrastructure.adminDatabaseURL)!
        components.user = name
        components.password = password
        let settings = try DatabaseSettings(url: components.string!, schema: name, maxConnections: 20)
        return TestSchema(name: name, settings: settings)
    }

    /// Creates a role and schema, runs `body` with them and drops both, whether `body`
    /// returns or throws (what a `defer` would do, were a `defer` allowed to await).
    public static func with<R>(prefix: String = "t", _ body: (TestSchema) async throws -> R) async throws -> R {
        try await create(prefix: prefix).dropping(after: body)
    }

    /// Runs `body` with this schema, then drops it, whether `body` returns or throws.
    public func dropping<R>(after body: (TestSchema) async throws -> R) async throws -> R {
        let result: R
        do {
            result = try await body(self)
        } catch {
            try? await drop()
            throw error
        }
        try await drop()
        return result
    }

    /// Drops the schema and the role.
    public func drop() async throws {
        let name = self.name
        try await Self.runAsAdmin([
            "DROP SCHEMA IF EXISTS \(name) CASCADE",
            "DROP OWNED BY \(name)",
            "DROP ROLE IF EXISTS \(name)",
        ])
    }

    /// Runs role and schema statements as the superuser, one at a time across all tests:
    /// concurrent GRANTs on one database collide ("tuple concurrently updated").
    static func runAsAdmin(_ statements: [String]) async throws {
        try await TestInfrastructure.withClient(try TestInfrastructure.adminSettings()) { admin in
            try await admin.transaction(logger: TestInfrastructure.logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(7261)", logger: TestInfrastructure.logger)
                for statement in statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: TestInfrastructure.logger)
                }
            }
        }
    }
}
