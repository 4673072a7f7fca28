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
/// hands them to the idempotent producer in id order and waits for every acknowledgement. The
/// acknowledged rows are marked published by the next round's read, in the same statement
/// (``Acknowledgements``), so a busy relay spends one statement a round; an idle one marks
/// them at its next poll, and a stopping one before it lets go of its buckets. Each row's mark
/// carries the time the broker acknowledged it. A crash before the mark leaves the rows
/// unmarked, so those events are published again: consumers' inboxes absorb such duplicates
/// (at-least-once, one effect).
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
                // The running relay keeps its buckets, and the marks it owes, between rounds.
                var unmarked = Acknowledgements()
                while !stopping.value && !Task.isCancelled {
                    do {
                        while try await publish(with: lease, marking: &unmarked) == batchSize, !stopping.value {}
                    } catch {
                        failures.increment()
                        logger.warning("outbox relay round failed; will retry", metadata: ["error": "\(String(reflecting: error))"])
                    }
                    if stopping.value || Task.isCancelled { break }
                    await doorbell.wait(upTo: pollInterval)
                }
                await markOwed(unmarked, with: lease)
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
            var unmarked = Acknowledgements()
            let count = try await publish(with: lease, marking: &unmarked)
            try await mark(unmarked, with: lease)
            await lease.close()
            return count
        } catch {
            await lease.close()
            throw error
        }
    }

    /// One round: marks `unmarked` published, reads the next batch in the same statement,
    /// publishes it, and leaves in `unmarked` what the broker acknowledged. Returns how many
    /// rows it published. When the round fails, `unmarked` keeps what it still owes (marking a
    /// row twice changes nothing).
    private func publish(with lease: RelayLease, marking unmarked: inout Acknowledgements) async throws -> Int {
        let logger = self.logger
        let batchSize = self.batchSize
        let producer = self.producer
        let afterPublish = self.afterPublish
        let owed = unmarked
        let round = try await lease.withBuckets { connection, buckets -> Acknowledgements in
            guard !buckets.isEmpty else { return owed }
            var ids: [Int64] = []
            var eventIDs: [UUID] = []
            var messages: [OutgoingMessage] = []
            let rows = try await connection.execute(
                ClaimStatement(buckets: buckets, limit: Int32(batchSize), marking: owed), logger: logger)
            for try await (id, eventID, topic, key, payload, headersJSON) in rows {
                ids.append(id)
                eventIDs.append(eventID)
                let headerObject = (try? JSONSerialization.jsonObject(with: Data(headersJSON.utf8)) as? [String: String]) ?? [:]
                let headers = headerObject.sorted { $0.key < $1.key }.map { KafkaHeader(name: $0.key, string: $0.value) }
                messages.append(OutgoingMessage(topic: topic, key: Array(key.utf8), value: Array(payload.readableBytesView), headers: headers))
            }
            guard !messages.isEmpty else { return Acknowledgements() }
            let results = await producer.sendBatch(messages)
            let acknowledgedAt = Date()
            var delivered = Acknowledgements()
            var firstError: KafkaError?
            for (id, result) in zip(ids, results) {
                switch result {
                case .success: delivered.append(id, at: acknowledgedAt)
                case .failure(let error): firstError = firstError ?? error
                }
            }
            try await afterPublish?(eventIDs)
            // A relay whose producer cannot deliver must not keep the buckets from a replica
            // that can: throwing closes the lease, and the buckets are free until it retries.
            if delivered.isEmpty, let firstError { throw firstError }
            if let firstError {
                logger.warning("some outbox events were not acknowledged; they stay unpublished", metadata: [
                    "outbox.failed": "\(ids.count - delivered.count)", "kafka.error": "\(firstError.message)"])
            }
            return delivered
        }
        unmarked = round
        let count = round.count
        if count > 0 {
            published.increment(by: count)
            logger.debug("outbox published", metadata: ["outbox.count": "\(count)"])
        }
        return count
    }

    /// Marks acknowledged rows published on their own (a stopping relay, a one-off round).
    private func mark(_ unmarked: Acknowledgements, with lease: RelayLease) async throws {
        guard !unmarked.isEmpty else { return }
        let logger = self.logger
        try await lease.withBuckets { connection, _ in
            for try await _ in try await connection.execute(MarkStatement(marking: unmarked), logger: logger) {}
        }
    }

    /// ``mark(_:with:)`` for a relay on its way out: a mark it cannot make only means those
    /// events are published again by whoever holds the buckets next.
    private func markOwed(_ unmarked: Acknowledgements, with lease: RelayLease) async {
        do {
            try await mark(unmarked, with: lease)
        } catch {
            logger.debug("outbox marks not written at stop; those events will be published again",
                         metadata: ["outbox.unmarked": "\(unmarked.count)", "error": "\(String(reflecting: error))"])
        }
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
                try await database.listen(on: outbox.notifyChannel, logger: logger) { notifications in
                    // A ring after (re)subscribing covers rows committed while not listening.
                    doorbell.ring()
                    for try await _ in notifications { doorbell.ring() }
                }
            } catch {
                if Task.isCancelled || stopping.value { return }
                logger.debug("outbox LISTEN connection lost; polling until it is back", metadata: ["error": "\(String(reflecting: error))"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}

extension OutboxRelay {
    /// Rows the broker acknowledged, each with the time it did, not yet marked published.
    struct Acknowledgements: Sendable {
        private(set) var ids: [Int64] = []
        private(set) var times: [Date] = []

        var count: Int { ids.count }
        var isEmpty: Bool { ids.isEmpty }

        mutating func append(_ id: Int64, at time: Date) {
            ids.append(id)
            times.append(time)
        }
    }

    /// A round's rows: marks the previous round's acknowledged rows published, then reads up
    /// to `limit` unpublished rows of the buckets this relay holds, in id order. The read sees
    /// the table as it was before the mark, so the rows being marked are left out by id. No
    /// row locks: no other relay publishes these buckets while the lease holds them.
    struct ClaimStatement: PreparedStatement {
        typealias Row = (Int64, UUID, String, String, ByteBuffer, String)
        static let sql = """
            WITH marked AS (
                UPDATE outbox o SET published_at = m.at
                FROM unnest($3::int8[], $4::timestamptz[]) AS m(id, at)
                WHERE o.id = m.id AND o.published_at IS NULL
            )
            SELECT id, event_id, topic, message_key, payload, headers::text FROM outbox
            WHERE published_at IS NULL AND bucket = ANY($1) AND NOT (id = ANY($3))
            ORDER BY id LIMIT $2
            """
        static var bindingDataTypes: [PostgresDataType] { [.int2Array, .int4, .int8Array, .timestamptzArray] }

        var buckets: [Int16]
        var limit: Int32
        var marking: Acknowledgements

        var values: [(any PostgresEncodable & Sendable)?] { [buckets, limit, marking.ids, marking.times] }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Marks acknowledged rows published, each at the time the broker acknowledged it.
    struct MarkStatement: PreparedStatement {
        typealias Row = Int64
        static let sql = """
            UPDATE outbox o SET published_at = m.at
            FROM unnest($1::int8[], $2::timestamptz[]) AS m(id, at)
            WHERE o.id = m.id AND o.published_at IS NULL
            RETURNING o.id
            """
        static var bindingDataTypes: [PostgresDataType] { [.int8Array, .timestamptzArray] }

        var marking: Acknowledgements

        var values: [(any PostgresEncodable & Sendable)?] { [marking.ids, marking.times] }

        func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }
    }
}
