import EventContracts
import Foundation
import Kafka
import Logging
import Metrics
import Persistence
import PostgresNIO
import ServiceLifecycle

/// Consumes a service's topics in its consumer group and applies events exactly once per
/// effect: each message runs through the inbox transaction (``Inbox``) and the matching
/// ``EventHandler``s; the offset is stored only after that transaction committed, and stored
/// offsets are committed in the background every `commitInterval` and at shutdown.
///
/// Partitions are processed concurrently, each strictly in order; a burst queued for one
/// partition is applied in one transaction. A handler failure is
/// retried with exponential backoff up to `maxAttempts`; then the message goes to the
/// group's dead-letter topic with the error in its headers, and the partition moves on.
/// A message that is not an event envelope, or whose payload does not decode as its type
/// says, goes there at once. Event types no handler reacts to are skipped. On graceful shutdown it stops polling, finishes in-flight messages, commits
/// synchronously and leaves the group.
public final class EventConsumer: Service, Sendable {
    public struct Settings: Sendable {
        public var groupID: String
        public var topics: [String]
        public var deadLetterTopic: String
        public var maxAttempts: Int
        public var retryBackoff: Duration
        /// Upper bound of messages read but not yet processed.
        public var maxInFlight: Int
        /// How often the offsets of processed messages are committed, all partitions in one
        /// request. A crash redelivers at most this long's messages, which the inbox absorbs;
        /// committing after every message cost the broker a request per message received.
        public var commitInterval: Duration

        public init(groupID: String, topics: [String], deadLetterTopic: String, maxAttempts: Int = 5,
                    retryBackoff: Duration = .milliseconds(200), maxInFlight: Int = 1000, commitInterval: Duration = .seconds(1)) {
            self.groupID = groupID
            self.topics = topics
            self.deadLetterTopic = deadLetterTopic
            self.maxAttempts = maxAttempts
            self.retryBackoff = retryBackoff
            self.maxInFlight = maxInFlight
            self.commitInterval = commitInterval
        }
    }

    private let settings: Settings
    private let kafka: KafkaConfiguration
    private let database: Database
    private let producer: KafkaProducer
    private let outbox: Outbox
    private let dispatch: EventDispatch
    private let logger: Logger
    private let startGate: StartupGate?
    private let consumerName: String
    private let consumerSlot = LockedBox<KafkaConsumer?>(nil)
    /// Where this consumer keeps what it could not apply, for staff to replay or discard.
    public let deadLetters: DeadLetterStore
    private let processed: Counter
    private let deadLettered: Counter
    private let retried: Counter
    /// Events the inbox had already applied (a redelivery, a replay): skipped.
    private let duplicates: Counter

    public init(
        settings: Settings, kafka: KafkaConfiguration, database: Database, producer: KafkaProducer, outbox: Outbox,
        handlers: [any EventHandler], consumerName: String, logger: Logger, startGate: StartupGate? = nil
    ) {
        self.settings = settings
        self.kafka = kafka
        self.database = database
        self.producer = producer
        self.outbox = outbox
        self.dispatch = EventDispatch(handlers)
        self.deadLetters = DeadLetterStore(database: database)
        self.consumerName = consumerName
        self.logger = logger
        self.startGate = startGate
        let dimensions = [("group", settings.groupID)]
        self.processed = Counter(label: "consumer_events_processed_total", dimensions: dimensions)
        self.deadLettered = Counter(label: "consumer_events_dead_lettered_total", dimensions: dimensions)
        self.retried = Counter(label: "consumer_handler_retries_total", dimensions: dimensions)
        self.duplicates = Counter(label: "consumer_events_duplicate_total", dimensions: dimensions)
    }

    /// True once the consumer has joined and holds a live client (for readiness).
    public var isRunning: Bool { consumerSlot.value != nil }

    /// True when the broker answers this consumer's metadata request.
    public func brokerReachable() async -> Bool {
        guard let consumer = consumerSlot.value else { return false }
        return await consumer.brokerReachable()
    }

    public func run() async throws {
        if let startGate {
            await startGate.wait()
            guard startGate.isOpen else { return }
        }
        let consumer = try KafkaConsumer(configuration: kafka, groupID: settings.groupID, topics: settings.topics, logger: logger,
                                         commitInterval: settings.commitInterval)
        consumerSlot.value = consumer
        let lastProcessed = LockedBox<[PartitionKey: KafkaMessage]>([:])
        let inFlight = LockedBox(0)
        do {
            try await withGracefulShutdownHandler {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    var lanes: [PartitionKey: PartitionLane] = [:]
                    defer { for lane in lanes.values { lane.finish() } }
                    for try await message in consumer.messages {
                        let key = PartitionKey(topic: message.topic, partition: message.partition)
                        let lane: PartitionLane
                        if let existing = lanes[key] {
                            lane = existing
                        } else {
                            lane = PartitionLane()
                            lanes[key] = lane
                            group.addTask {
                                while true {
                                    let messages = await lane.takeAll()
                                    guard let last = messages.last else { return }
                                    // Cancelled while the database is out: the offset stays, the messages come again.
                                    guard await self.process(batch: messages) else { return }
                                    consumer.store(last)
                                    lastProcessed.withLock { $0[key] = last }
                                    inFlight.withLock { $0 -= messages.count }
                                }
                            }
                        }
                        inFlight.withLock { $0 += 1 }
                        lane.push(message)
                        while inFlight.value >= settings.maxInFlight { try await Task.sleep(for: .milliseconds(1)) }
                    }
                    for lane in lanes.values { lane.finish() }
                    try await group.waitForAll()
                }
            } onGracefulShutdown: {
                consumer.stopPolling()
            }
        } catch {
            logger.error("consumer stopped", metadata: ["error": "\(error)"])
            await finish(consumer, lastProcessed: lastProcessed.value)
            throw error
        }
        await finish(consumer, lastProcessed: lastProcessed.value)
    }

    private func finish(_ consumer: KafkaConsumer, lastProcessed: [PartitionKey: KafkaMessage]) async {
        for message in lastProcessed.values {
            do { try await consumer.commit(message) } catch {
                logger.debug("final commit failed; the inbox absorbs the redelivery", metadata: ["error": "\(error)"])
            }
        }
        consumerSlot.value = nil
        await consumer.close()
    }

    /// Applies a run of one partition's messages in order. The common case, a burst of
    /// healthy events, commits in one inbox transaction (one commit, one fsync, for the whole
    /// burst); if that transaction fails, each message is retried on its own so that only the
    /// failing one is retried and, in the end, dead-lettered. False when the run was cut
    /// short (cancelled during a database outage): its offsets must not move.
    @discardableResult
    func process(batch messages: [KafkaMessage]) async -> Bool {
        if messages.count == 1 {
            return await process(messages[0])
        }
        var applicable: [(KafkaMessage, EventDispatch.Decoded)] = []
        for message in messages {
            guard let envelope = try? EventEnvelope.decode(Data(message.value)) else {
                guard await process(message) else { return false }
                continue
            }
            guard dispatch.reacts(to: envelope.type) else { continue }
            let event: EventDispatch.Decoded?
            do {
                event = try dispatch.decode(envelope)
            } catch {
                guard await process(message) else { return false }
                continue
            }
            if let event { applicable.append((message, event)) }
        }
        guard !applicable.isEmpty else { return true }
        let consumerName = self.consumerName
        let outbox = self.outbox
        let logger = self.logger
        let dispatch = self.dispatch
        // A burst of one store's events (the common case) runs on a session set to that store.
        // A burst of several stores' runs its preparation across them (it locks what every
        // event needs, in one order) and sets the transaction to each event's store in turn.
        let stores = Set(applicable.map(\.1.envelope.store))
        let (database, duplicates, burst) = (self.database, self.duplicates, applicable)
        let transaction = { () async throws in
            try await database.transaction(logger: logger) { connection in
                try await dispatch.prepare(burst.map(\.1), on: connection, logger: logger)
                var narrowedTo: StoreID?
                for (message, event) in burst {
                    let envelope = event.envelope
                    let eventLogger = Self.logger(logger, for: message, envelope: envelope)
                    if stores.count > 1, narrowedTo != envelope.store {
                        try await ScopedClient.narrow(connection, to: envelope.store, logger: eventLogger)
                        narrowedTo = envelope.store
                    }
                    guard try await Self.claimAndReact(event, topic: message.topic, consumer: consumerName, dispatch: dispatch,
                                                       outbox: outbox, on: connection, logger: eventLogger)
                    else {
                        duplicates.increment()
                        continue
                    }
                }
            }
        }
        do {
            if stores.count == 1, let store = stores.first {
                try await StoreScope.run(for: store) { try await transaction() }
            } else {
                try await StoreScope.acrossStores { try await transaction() }
            }
            processed.increment(by: applicable.count)
        } catch {
            logger.debug("batch failed; applying its messages one by one", metadata: ["error": "\(error)"])
            for (message, _) in applicable {
                guard await process(message) else { return false }
            }
        }
        return true
    }

    private static func logger(_ base: Logger, for message: KafkaMessage, envelope: EventEnvelope?) -> Logger {
        var logger = base
        logger[metadataKey: "kafka.topic"] = "\(message.topic)"
        logger[metadataKey: "kafka.partition"] = "\(message.partition)"
        logger[metadataKey: "kafka.offset"] = "\(message.offset)"
        if let correlationId = envelope?.correlationId ?? message.header(MessageHeader.correlationId) {
            logger[metadataKey: "correlation_id"] = "\(correlationId)"
        }
        if let envelope {
            logger[metadataKey: "event.id"] = "\(envelope.id)"
            logger[metadataKey: "event.type"] = "\(envelope.type)"
        }
        return logger
    }

    /// Applies one message: decode, inbox transaction with retries, dead letter on failure.
    /// A database outage is not the event's fault: it is waited out (not counted towards the
    /// dead-letter limit). False when cancelled before the message was dealt with.
    @discardableResult
    func process(_ message: KafkaMessage) async -> Bool {
        let envelope: EventEnvelope
        do {
            envelope = try EventEnvelope.decode(Data(message.value))
        } catch {
            return await deadLetter(message, error: "not a CloudEvents envelope: \(error)", attempts: 0,
                                    logger: Self.logger(self.logger, for: message, envelope: nil))
        }
        let logger = Self.logger(self.logger, for: message, envelope: envelope)
        let event: EventDispatch.Decoded
        do {
            guard let decoded = try dispatch.decode(envelope) else {
                logger.trace("skipping an event this service does not act on")
                return true
            }
            event = decoded
        } catch {
            return await deadLetter(message, error: "the \(envelope.type) payload does not decode: \(error)", attempts: 0,
                                    envelope: envelope, logger: logger)
        }
        var attempt = 0
        var backoff = settings.retryBackoff
        var outageWait = Duration.milliseconds(200)
        while true {
            attempt += 1
            do {
                let applied = try await apply(event, topic: message.topic, logger: logger)
                processed.increment()
                if !applied { duplicates.increment() }
                logger.debug(applied ? "event applied" : "duplicate event skipped")
                return true
            } catch where DatabaseOutage.matches(error) {
                attempt -= 1
                guard !Task.isCancelled else { return false }
                logger.warning("database unavailable; the event waits", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: outageWait)
                outageWait = min(outageWait * 2, .seconds(5))
            } catch {
                if attempt >= settings.maxAttempts {
                    return await deadLetter(message, error: String(describing: error), attempts: attempt, envelope: envelope,
                                            logger: logger)
                }
                retried.increment()
                logger.warning("event handler failed; retrying", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                try? await Task.sleep(for: backoff)
                backoff = backoff * 2
            }
        }
    }

    private func apply(_ event: EventDispatch.Decoded, topic: String, logger: Logger) async throws -> Bool {
        let (consumerName, outbox, dispatch) = (self.consumerName, self.outbox, self.dispatch)
        return try await StoreScope.run(for: event.envelope.store) {
            try await database.transaction(logger: logger) { connection in
                try await Self.claimAndReact(event, topic: topic, consumer: consumerName, dispatch: dispatch, outbox: outbox,
                                             on: connection, logger: logger)
            }
        }
    }

    /// Claims `event` in the inbox and, if this consumer had not applied it, runs its
    /// handlers, on `connection` (inside the caller's transaction); false for a duplicate.
    private static func claimAndReact(_ event: EventDispatch.Decoded, topic: String, consumer: String, dispatch: EventDispatch,
                                      outbox: Outbox, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let envelope = event.envelope
        guard try await Inbox.claim(eventID: envelope.id, consumer: consumer, eventType: envelope.type,
                                    topic: topic, on: connection, logger: logger)
        else { return false }
        try await dispatch.react(to: event.payload, in: EventContext(envelope: envelope, connection: connection, logger: logger, outbox: outbox))
        return true
    }

    /// Keeps `message` in the dead-letter table, then copies it to the dead-letter topic with
    /// the error in its headers. Never drops it: each step is retried until it succeeds; false
    /// when cancelled first (the offset must not move then).
    private func deadLetter(_ message: KafkaMessage, error: String, attempts: Int, envelope: EventEnvelope? = nil,
                            logger: Logger) async -> Bool {
        var delay = Duration.milliseconds(100)
        while true {
            do {
                try await deadLetters.keep(message, group: settings.groupID, eventID: envelope?.id, eventType: envelope?.type,
                                           error: error, attempts: attempts, logger: logger)
                break
            } catch {
                guard !Task.isCancelled else { return false }
                logger.error("cannot keep the dead letter; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(10))
            }
        }
        var headers = message.headers
        headers.append(KafkaHeader(name: MessageHeader.deadLetterTopic, string: message.topic))
        headers.append(KafkaHeader(name: MessageHeader.deadLetterPartition, string: "\(message.partition)"))
        headers.append(KafkaHeader(name: MessageHeader.deadLetterOffset, string: "\(message.offset)"))
        headers.append(KafkaHeader(name: MessageHeader.deadLetterError, string: String(error.prefix(2000))))
        headers.append(KafkaHeader(name: MessageHeader.deadLetterAttempts, string: "\(attempts)"))
        headers.append(KafkaHeader(name: MessageHeader.deadLetterGroup, string: settings.groupID))
        delay = .milliseconds(100)
        while true {
            do {
                try await producer.send(topic: settings.deadLetterTopic, key: message.key, value: message.value, headers: headers)
                deadLettered.increment()
                logger.error("message dead-lettered", metadata: [
                    "dead_letter.topic": "\(settings.deadLetterTopic)", "attempts": "\(attempts)", "error": "\(error)"])
                return true
            } catch {
                guard !Task.isCancelled else { return false }
                logger.error("cannot publish to the dead-letter topic; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(10))
            }
        }
    }

    /// What replaying a dead letter did.
    public enum ReplayOutcome: Sendable, Equatable {
        /// The event went through the inbox and its handlers.
        case applied
        /// The inbox had applied the event already (it came again after the failure).
        case alreadyApplied
        /// It failed again; the letter stays open with this error.
        case failed(String)
        /// The letter is not open (replayed or discarded before).
        case notOpen
    }

    /// Replays the dead letter `letter` the way a delivery is applied: decoded, claimed in the
    /// inbox, its handlers run, and the letter marked replayed, all in one transaction.
    public func replay(_ letter: DeadLetter, by staff: UUID?, logger: Logger) async throws -> ReplayOutcome {
        guard letter.status == .open else { return .notOpen }
        let failure: String
        do {
            let envelope = try EventEnvelope.decode(Data(letter.payload))
            guard let event = try dispatch.decode(envelope) else {
                let reason = "this service does not act on \(envelope.type)"
                try await deadLetters.recordFailedReplay(letter.id, error: reason, by: staff, logger: logger)
                return .failed(reason)
            }
            let (consumerName, outbox, dispatch) = (self.consumerName, self.outbox, self.dispatch)
            let database = self.database
            let outcome = try await StoreScope.run(for: envelope.store) { try await database.transaction(logger: logger) { connection -> ReplayOutcome in
                guard try await DeadLetterStore.markReplayed(letter.id, by: staff, on: connection, logger: logger) else { return .notOpen }
                let claimed = try await Self.claimAndReact(event, topic: letter.topic, consumer: consumerName, dispatch: dispatch,
                                                           outbox: outbox, on: connection, logger: logger)
                try await OperatorLog.record("dead_letter.replayed", subject: "dead-letter:\(letter.id)", by: staff,
                                             detail: ["event_id": envelope.id, "event_type": envelope.type,
                                                      "outcome": claimed ? "applied" : "already_applied"],
                                             on: connection, logger: logger)
                return claimed ? .applied : .alreadyApplied
            } }
            if outcome == .applied { processed.increment() }
            return outcome
        } catch where DatabaseOutage.matches(error) {
            throw error
        } catch {
            failure = String(describing: error)
        }
        try await deadLetters.recordFailedReplay(letter.id, error: failure, by: staff, logger: logger)
        return .failed(failure)
    }
}

/// One partition of one topic.
struct PartitionKey: Hashable, Sendable {
    let topic: String
    let partition: Int32
}
