import EventContracts
import Logging
import NIOConcurrencyHelpers
import PostgresNIO

/// The connection pool as services use it: every connection it lends is first set to the
/// borrowing task's ``StoreScope`` (the session setting `commerce.store_id`), which
/// row-level security on the store-owned tables reads. The setting stays on the session, and
/// the client remembers it per connection, so a connection that last served the same store
/// costs no extra statement; switching stores costs one `set_config`.
///
/// Rows from `query` and `execute` are fetched whole before the connection goes back (a
/// page or one entity's rows, as every caller reads them).
public struct ScopedClient: Sendable {
    /// The pool itself. Use it only for work on tables no store owns, such as a health probe.
    public let pool: PostgresClient
    let sessions = SessionScopes()

    init(pool: PostgresClient) { self.pool = pool }

    /// A logger that logs nothing, for statements whose logging helps no one.
    public static let quiet = Logger(label: "commerce.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Lends a connection set to the task's store for `body`'s lifetime.
    public func withConnection<Result>(_ body: (PostgresConnection) async throws -> sending Result) async throws -> sending Result {
        let wanted = StoreScope.sessionValue
        return try await pool.withConnection { connection in
            try await sessions.set(wanted, on: connection)
            return try await body(connection)
        }
    }

    /// Sets `connection`, inside a transaction, to `store` until that transaction ends: for
    /// one transaction that applies events of several stores in turn.
    public static func narrow(_ connection: PostgresConnection, to store: StoreID, logger: Logger) async throws {
        try await connection.query("SELECT set_config('commerce.store_id', \(store.description), true)", logger: logger)
    }

    /// Runs `query` for the task's store; returns its rows.
    @discardableResult
    public func query(_ query: PostgresQuery, logger: Logger = ScopedClient.quiet) async throws -> FetchedRows {
        try await withConnection { connection in
            Fetched(rows: try await connection.query(query, logger: logger).collect())
        }
    }

    /// Runs a prepared statement for the task's store; returns its decoded rows.
    public func execute<Statement: PostgresPreparedStatement>(
        _ statement: Statement, logger: Logger
    ) async throws -> Fetched<Statement.Row> {
        try await withConnection { connection in
            var rows: [Statement.Row] = []
            for try await row in try await connection.execute(statement, logger: logger) { rows.append(row) }
            return Fetched(rows: rows)
        }
    }
}

/// Rows already fetched, read like PostgresNIO's row sequences (`decode`, `for try await`).
public struct Fetched<Element>: AsyncSequence {
    public let rows: [Element]

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: IndexingIterator<[Element]>
        public mutating func next() async -> Element? { base.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: rows.makeIterator()) }

    /// The rows, as an array.
    public func collect() async throws -> [Element] { rows }
}

extension Fetched: Sendable where Element: Sendable {}

/// Rows of a query, undecoded.
public typealias FetchedRows = Fetched<PostgresRow>

/// Which store each pooled session is set to, so the setting is sent only when it changes.
final class SessionScopes: Sendable {
    private let settings = NIOLockedValueBox([Int: String]())
    /// Sessions the pool closed leave entries behind; past this many the map starts over
    /// (each live session then sets its store once more).
    private static let limit = 512

    func set(_ wanted: String, on connection: PostgresConnection) async throws {
        let id = connection.id
        if settings.withLockedValue({ $0[id] }) == wanted { return }
        do {
            try await connection.query("SELECT set_config('commerce.store_id', \(wanted), false)", logger: ScopedClient.quiet)
        } catch {
            settings.withLockedValue { _ = $0.removeValue(forKey: id) }
            throw error
        }
        settings.withLockedValue {
            if $0.count >= Self.limit { $0.removeAll(keepingCapacity: true) }
            $0[id] = wanted
        }
    }

}
