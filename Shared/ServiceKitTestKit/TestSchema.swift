import Foundation
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
        try await TestInfrastructure.withClient(try TestInfrastructure.adminSettings()) { admin in
            // Concurrent GRANTs on one database collide ("tuple concurrently updated"): serialise.
            try await admin.transaction(logger: TestInfrastructure.logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(7261)", logger: TestInfrastructure.logger)
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE ROLE \(name) LOGIN PASSWORD '\(password)'"), logger: TestInfrastructure.logger)
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(name) AUTHORIZATION \(name)"), logger: TestInfrastructure.logger)
                try await connection.query(PostgresQuery(unsafeSQL: "GRANT CONNECT, TEMPORARY ON DATABASE commerce_test TO \(name)"), logger: TestInfrastructure.logger)
            }
        }
        var components = URLComponents(string: TestInfrastructure.adminDatabaseURL)!
        components.user = name
        components.password = password
        let settings = try DatabaseSettings(url: components.string!, schema: name, maxConnections: 20)
        return TestSchema(name: name, settings: settings)
    }

    /// Drops the schema and the role.
    public func drop() async throws {
        let name = self.name
        try await TestInfrastructure.withClient(try TestInfrastructure.adminSettings()) { admin in
            try await admin.transaction(logger: TestInfrastructure.logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(7261)", logger: TestInfrastructure.logger)
                try await connection.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(name) CASCADE"), logger: TestInfrastructure.logger)
                try await connection.query(PostgresQuery(unsafeSQL: "DROP OWNED BY \(name)"), logger: TestInfrastructure.logger)
                try await connection.query(PostgresQuery(unsafeSQL: "DROP ROLE IF EXISTS \(name)"), logger: TestInfrastructure.logger)
            }
        }
    }
}
