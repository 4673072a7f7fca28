import Foundation
import Kafka
import Logging
import Persistence
import PostgresNIO
import ServiceKit

/// Where the tests find the real PostgreSQL and broker that `./suite test` started, with the
/// same local defaults, overridable by environment.
public enum TestInfrastructure {
    /// A superuser URL for the test database (creates per-test roles and schemas).
    public static var adminDatabaseURL: String {
        ProcessInfo.processInfo.environment["COMMERCE_TEST_DATABASE_URL"]
            ?? "postgres://postgres:postgres-local@127.0.0.1:55432/commerce_test"
    }

    public static var kafkaBrokers: String {
        ProcessInfo.processInfo.environment["COMMERCE_TEST_KAFKA_BROKERS"] ?? "127.0.0.1:9092"
    }

    public static var kafka: KafkaConfiguration { KafkaConfiguration(bootstrapServers: kafkaBrokers) }

    /// A name no other test (or earlier run) uses.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
    }

    public static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }

    /// Runs `body` with a running PostgresNIO client, then shuts the client down. `body` works
    /// for the store of the calling task's ``StoreScope``, or the original store if it names
    /// none, as a service reached without a store header does.
    public static func withClient<R: Sendable>(
        _ settings: DatabaseSettings, _ body: @Sendable (Database) async throws -> R
    ) async throws -> R {
        // The pool's own log: its one warning in tests is a lease in the instant before run()
        // starts below (harmless: the lease waits), printed on every suite.
        var poolLogger = logger
        poolLogger.logLevel = .error
        let database = Database(settings: settings, applicationName: "tests", logger: poolLogger)
        return try await withThrowingTaskGroup(of: R?.self) { group in
            // The body starts once the pool's task does.
            let (started, starting) = AsyncStream.makeStream(of: Void.self)
            group.addTask {
                starting.finish()
                await database.client.pool.run()
                return nil
            }
            for await _ in started {}
            defer { group.cancelAll() }
            return try await StoreScope.run(for: StoreScope.current ?? .original) { try await body(database) }
        }
    }

    /// The superuser's settings for the test database.
    public static func adminSettings(schema: String = "public") throws -> DatabaseSettings {
        try DatabaseSettings(url: adminDatabaseURL, schema: schema, maxConnections: 4)
    }
}
