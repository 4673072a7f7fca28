import Foundation
import Kafka
import Logging
import Metrics
import Persistence
import PostgresNIO
import ServiceLifecycle

/// Publishes committed outbox rows to Kafka and marks them published.
///
/// Woken by `LISTEN` on the outbox channel, with a polling fallback. The relay holds the key
/// buckets no other replica holds (``RelayLease``: session-level advisory locks on a
/// connection of its own). Each round reads up to a batch of those buckets' unpublished rows,
/// hands them to the idempotent producer in id order, waits for every acknowledgement, and
/// marks the acknowledged rows: two statements. A crash between publishing and marking leaves
/// the rows unmarked, so those events are published again: consumers' inboxes absorb such
/// duplicates (at-least-once, one effect).
public final class OutboxRelay: Service, Sendable {
    /// A hook that runs after publishing and before marking; tests throw from it to
    /// simulate a relay killed at the worst moment.
    public typealias AfterPublishHook = @Sendable (_ eventIDs: [UUID]) async throws -> Void

    private let database: Database
    private let producer: KafkaProducer
    private let outbox: Outbox
    private let logger: Logger
    private let pollInterval: Duration
    private let batchSize: Int
    private let retention: Duration
    private let startGate: StartupGate?
    private let afterPublish: AfterPublishHook?
    private let doorbell = Doorbell()
    private let lease: RelayLease
    private let published: Counter
    private let failures: Counter

    public init(
        database: Database, producer: KafkaProducer, outbox: Outbox, logger: Logger,
        pollInterval: Duration = .seconds(1), batchSize: Int = 500, retention: Duration = .seconds(7 * 86_400),
        startGate: StartupGate? = nil, afterPublish: AfterPublishHook? = nil
    ) {
        self.retention = retention
        self.database = database
        self.producer = producer
        self.outbox = outbox
        self.logger = logger
        self.pollInterval = pollInterval
        self.batchSize = batchSize
        self.startGate = startGate
        self.afterPublish = afterPublish
        self.published = Counter(label: "outbox_published_total", dimensions: [("topic", outbox.topic)])
        self.failures = Counter(label: "outbox_publish_failures_total", dimensions: [("topic", outbox.topic)])
        self.lease = RelayLease(database: database, logger: logger, retryInterval: pollInterval)
    }

    public func run() async throws {
        if let startGate {
            await startGate.wait()
            guard startGate.isOpen else { return }
        }
        let stopping = LockedBox(false)
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.listenForNotifications(until: stopping) }
                group.addTask { await self.pruneHourly(until: stopping) }
                while !stopping.value && !Task.isCancelled {
                    do {
                        // The running relay keeps its buckets between rounds.
                        while try await publish(with: lease) == batchSize, !stopping.value {}
                    } catch {
                        failures.increment()
                        logger.warning("outbox relay round failed; will retry", metadata: ["error": "\(String(reflecting: error))"])
                    }
                    if stopping.value || Task.isCancelled { break }
                    await doorbell.wait(upTo: pollInterval)
                }
                group.cancelAll()
            }
            await lease.close()
        } onGracefulShutdown: {
            stopping.value = true
            self.doorbell.ring()
        }
    }

    /// Publishes one batch as a relay on its own would: takes the buckets no other relay
    /// holds, publishes, and lets go of them. Returns how many rows it published.
    @discardableResult
    public func publishRound() async throws -> Int {
        let lease = RelayLease(database: database, logger: logger, retryInterval: pollInterval)
        do {
            let count = try await publish(with: lease)
            await lease.close()
            return count
        } catch {
            await lease.close()
            throw error
        }
    }

    private func publish(with lease: RelayLease) async throws -> Int {
        let logger = self.logger
        let batchSize = self.batchSize
        let producer = self.producer
        let afterPublish = self.afterPublish
        let count = try await lease.withBuckets { connection, buckets -> Int in
            guard !buckets.isEmpty else { return 0 }
            var ids: [Int64] = []
            var eventIDs: [UUID] = []
            var messages: [OutgoingMessage] = []
            let rows = try await connection.execute(ClaimStatement(buckets: buckets, limit: Int32(batchSize)), logger: logger)
            for try await (id, eventID, topic, key, payload, headersJSON) in rows {
                ids.append(id)
                eventIDs.append(eventID)
                let headerObject = (try? JSONSerialization.jsonObject(with: Data(headersJSON.utf8)) as? [String: String]) ?? [:]
                let headers = headerObject.sorted { $0.key < $1.key }.map { KafkaHeader(name: $0.key, string: $0.value) }
                messages.append(OutgoingMessage(topic: topic, key: Array(key.utf8), value: Array(payload.readableBytesView), headers: headers))
            }
            guard !messages.isEmpty else { return 0 }
            let results = await producer.sendBatch(messages)
            var delivered: [Int64] = []
            var firstError: KafkaError?
            for (id, result) in zip(ids, results) {
                switch result {
                case .success: delivered.append(id)
                case .failure(let error): firstError = firstError ?? error
                }
            }
            try await afterPublish?(eventIDs)
            // A relay whose producer cannot deliver must not keep the buckets from a replica
            // that can: throwing closes the lease, and the buckets are free until it retries.
            if delivered.isEmpty, let firstError { throw firstError }
            if !delivered.isEmpty {
                for try await _ in try await connection.execute(MarkStatement(ids: delivered), logger: logger) {}
            }
            if let firstError {
                logger.warning("some outbox events were not acknowledged; they stay unpublished", metadata: [
                    "outbox.failed": "\(ids.count - delivered.count)", "kafka.error": "\(firstError.message)"])
            }
            return delivered.count
        }
        if count > 0 {
            published.increment(by: count)
            logger.debug("outbox published", metadata: ["outbox.count": "\(count)"])
        }
        return count
    }

    /// Deletes published rows older than `age` (the audit window); returns how many.
    @discardableResult
    public func prunePublished(olderThan age: Duration) async throws -> Int {
        let seconds = Double(age.components.seconds)
        let rows = try await database.client.query(
            "WITH gone AS (DELETE FROM outbox WHERE published_at < now() - make_interval(secs => \(seconds)) RETURNING 1) SELECT count(*) FROM gone",
            logger: logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    /// Keeps the outbox small: published rows older than the retention go once an hour.
    private func pruneHourly(until stopping: LockedBox<Bool>) async {
        while !stopping.value && !Task.isCancelled {
            do {
                let pruned = try await prunePublished(olderThan: retention)
                if pruned > 0 { logger.debug("outbox pruned", metadata: ["outbox.pruned": "\(pruned)"]) }
            } catch {
                if Task.isCancelled { return }
                logger.debug("outbox pruning failed; next hour again", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await Task.sleep(for: .seconds(3600))
        }
    }

    private func listenForNotifications(until stopping: LockedBox<Bool>) async {
        while !stopping.value && !Task.isCancelled {
            do {
                // A dedicated connection, closed on cancellation: a notification sequence
                // does not end by itself when its task is cancelled.
                let connection = try await database.connectDedicated(logger: logger)
                try await withTaskCancellationHandler {
                    try await connection.listen(on: outbox.notifyChannel) { notifications in
                        // A ring after (re)subscribing covers rows committed while not listening.
                        doorbell.ring()
                        for try await _ in notifications { doorbell.ring() }
                    }
                } onCancel: {
                    connection.close().whenComplete { _ in }
                }
                try? await connection.close()
            } catch {
                if Task.isCancelled || stopping.value { return }
                logger.debug("outbox LISTEN connection lost; polling until it is back", metadata: ["error": "\(String(reflecting: error))"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}

extension OutboxRelay {
    /// A round's rows: up to `limit` unpublished rows of the buckets this relay holds, in id
    /// order. No row locks: no other relay publishes these buckets while the lease holds them.
    struct ClaimStatement: PreparedStatement {
        typealias Row = (Int64, UUID, String, String, ByteBuffer, String)
        static let sql = """
            SELECT id, event_id, topic, message_key, payload, headers::text FROM outbox
            WHERE published_at IS NULL AND bucket = ANY($1)
            ORDER BY id LIMIT $2
            """
        static var bindingDataTypes: [PostgresDataType] { [.int2Array, .int4] }

        var buckets: [Int16]
        var limit: Int32

        var values: [(any PostgresEncodable & Sendable)?] { [buckets, limit] }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Marks the acknowledged rows published.
    struct MarkStatement: PreparedStatement {
        typealias Row = Int64
        static let sql = "UPDATE outbox SET published_at = clock_timestamp() WHERE id = ANY($1) RETURNING id"
        static var bindingDataTypes: [PostgresDataType] { [.int8Array] }

        var ids: [Int64]

        var values: [(any PostgresEncodable & Sendable)?] { [ids] }

        func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }
    }
}
