import Logging
import NIOSSL
import PostgresNIO

/// A service's PostgreSQL access: a PostgresNIO connection pool whose sessions have the
/// service's schema as `search_path`, so queries name tables without a schema.
///
/// The pool is a `Service`; it only hands out connections while its `run()` is active.
public struct Database: Sendable {
    /// The pool, lending connections set to the task's store (``StoreScope``).
    public let client: ScopedClient
    public let settings: DatabaseSettings

    public init(settings: DatabaseSettings, applicationName: String, logger: Logger) {
        var configuration = PostgresClient.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: settings.password,
            database: settings.database, tls: Self.tls(settings.tls))
        configuration.options.maximumConnections = settings.maxConnections
        configuration.options.minimumConnections = 1
        configuration.options.additionalStartupParameters = [
            ("search_path", settings.schema), ("application_name", applicationName),
        ]
        self.client = ScopedClient(pool: PostgresClient(configuration: configuration, backgroundLogger: logger))
        self.settings = settings
    }

    /// The number a `SELECT count(*)::int8 …` answers (0 when it answers no row), as a list's
    /// page total.
    public func count(_ query: PostgresQuery, logger: Logger) async throws -> Int {
        for try await value in try await client.query(query, logger: logger).decode(Int.self) { return value }
        return 0
    }

    /// Runs `body` in one transaction: committed if it returns, rolled back if it throws.
    /// An error thrown by `body` comes out as itself (a ``Problem`` stays a 4xx) once the
    /// rollback succeeded; database failures come out as PostgresNIO's errors.
    public func transaction<Result: Sendable>(
        logger: Logger, _ body: (PostgresConnection) async throws -> sending Result
    ) async throws -> Result {
        do {
            return try await client.withConnection { connection in
                try await connection.withTransaction(logger: logger, body)
            }
        } catch let error as PostgresTransactionError {
            if let closureError = error.closureError, error.rollbackError == nil { throw closureError }
            throw error
        }
    }

    /// A connection outside the pool, for long-lived sessions such as `LISTEN`, with any
    /// run-time `parameters` of its own (sent at start-up, e.g. `synchronous_commit`).
    public func connectDedicated(logger: Logger, parameters: [(String, String)] = []) async throws -> PostgresConnection {
        var configuration = PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: settings.password,
            database: settings.database, tls: settings.tls == .disable ? .disable : .prefer(try .init(configuration: .makeClientConfiguration())))
        // A long-lived session may hold locks (the relay's buckets) or be the only way changes
        // are heard (LISTEN): PostgreSQL finds a client that vanished within about 25 s instead
        // of the system's two hours of TCP keepalive.
        let keepalive = [("tcp_keepalives_idle", "10"), ("tcp_keepalives_interval", "5"), ("tcp_keepalives_count", "3")]
        configuration.options.additionalStartupParameters = [("search_path", settings.schema)] + keepalive + parameters
        return try await PostgresConnection.connect(configuration: configuration, id: Int.random(in: 1_000_000...9_999_999), logger: logger)
    }

    /// Listens on `channel` on a connection of its own while `consume` runs, and closes that
    /// connection however it ends: when `consume` returns or throws, when the connection is
    /// lost, and when the task is cancelled (a notification sequence does not end by itself
    /// then). A connection dropped unclosed would trap in debug builds.
    public func listen(on channel: String, logger: Logger, consume: (PostgresNotificationSequence) async throws -> Void) async throws {
        let connection = try await connectDedicated(logger: logger)
        do {
            try await withTaskCancellationHandler {
                try await connection.listen(on: channel, consume: consume)
            } onCancel: {
                connection.close().whenComplete { _ in }
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try? await connection.close()
    }

    /// True when `SELECT 1` answers within `timeout` (while PostgreSQL is down the pool would
    /// hold the query until it gives up connecting, much later).
    public func isReachable(logger: Logger, timeout: Duration = .seconds(2)) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                do {
                    let rows = try await client.pool.query("SELECT 1", logger: logger)
                    for try await _ in rows {}
                    return true
                } catch {
                    return false
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let answer = await group.next() ?? false
            group.cancelAll()
            return answer
        }
    }

    private static func tls(_ mode: DatabaseSettings.TLSMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }
}
