import Logging
import Persistence
import PostgresNIO

/// The key buckets one relay publishes, held as session-level advisory locks on a connection
/// of its own.
///
/// A bucket is published by one relay at a time, which keeps each key's events in order across
/// replicas. Holding the buckets for as long as the connection lives, instead of taking them
/// again in every round's transaction, makes a round two statements (read the held buckets'
/// unpublished rows, mark what the broker acknowledged) with no `BEGIN`, no row locks and no
/// sixteen lock attempts. When the relay's process dies or its connection breaks, PostgreSQL
/// lets go of the locks and another replica's relay takes the buckets within its polling
/// interval. A lease that holds only some buckets (another replica has the rest) asks again for
/// the missing ones at most once per `retryInterval`. Its commits (the marks) are asynchronous.
actor RelayLease {
    private let database: Database
    private let logger: Logger
    private let retryInterval: Duration
    private var connection: PostgresConnection?
    private var held: [Int16] = []
    private var lastAttempt: ContinuousClock.Instant?

    init(database: Database, logger: Logger, retryInterval: Duration) {
        self.database = database
        self.logger = logger
        self.retryInterval = retryInterval
    }

    /// Runs `body` with the connection and the buckets it holds (possibly none). A failure in
    /// `body` closes the connection, releasing the buckets, since the connection may be broken;
    /// the next call connects again.
    func withBuckets<Result: Sendable>(
        _ body: (PostgresConnection, [Int16]) async throws -> Result
    ) async throws -> Result {
        let connection = try await heldConnection()
        do {
            return try await body(connection, held)
        } catch {
            await close()
            throw error
        }
    }

    /// Closes the connection; its buckets are free for other relays at once.
    func close() async {
        guard let connection else { return }
        self.connection = nil
        held = []
        lastAttempt = nil
        try? await connection.close()
    }

    private func heldConnection() async throws -> PostgresConnection {
        let connection: PostgresConnection
        if let existing = self.connection, !existing.isClosed {
            connection = existing
        } else {
            // A connection PostgreSQL closed (a restart) holds no locks any more: start again.
            if self.connection != nil { await close() }
            // A mark lost with a crash of PostgreSQL only means its events are published again,
            // which the consumers' inboxes absorb: marks need not wait for the WAL to reach disk.
            connection = try await database.connectDedicated(logger: logger, parameters: [("synchronous_commit", "off")])
            self.connection = connection
        }
        if held.count < Outbox.bucketCount, lastAttempt.map({ ContinuousClock.now - $0 >= retryInterval }) ?? true {
            lastAttempt = .now
            do {
                var gained: [Int16] = []
                let rows = try await connection.execute(
                    AcquireStatement(schema: database.settings.schema, held: held), logger: logger)
                for try await bucket in rows { gained.append(bucket) }
                held = (held + gained).sorted()
                if !gained.isEmpty { logger.debug("outbox buckets taken", metadata: ["outbox.buckets": "\(held)"]) }
            } catch {
                await close()
                throw error
            }
        }
        return connection
    }

    /// Takes every bucket this session does not hold yet and no other session holds.
    struct AcquireStatement: PreparedStatement {
        typealias Row = Int16
        static let sql = """
            SELECT b::int2 FROM generate_series(0, \(Outbox.bucketCount - 1)) AS b
            WHERE NOT (b::int2 = ANY($2)) AND pg_try_advisory_lock(hashtext($1), (100 + b)::int4)
            """
        static var bindingDataTypes: [PostgresDataType] { [.text, .int2Array] }

        var schema: String
        var held: [Int16]

        var values: [(any PostgresEncodable & Sendable)?] { [schema, held] }

        func decodeRow(_ row: PostgresRow) throws -> Int16 { try row.decode(Int16.self) }
    }
}
