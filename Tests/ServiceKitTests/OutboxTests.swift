import EventContracts
import Foundation
import Kafka
import Persistence
@testable import Messaging
@testable import ServiceKit
import ServiceKitTestKit
import Testing

@Suite("Transactional outbox and relay on PostgreSQL and the broker")
struct OutboxTests {
    @Test("a committed transaction's event is published exactly once, as a CloudEvents envelope keyed by subject")
    func committedEventPublishedOnce() async throws {
        try await KitFixture.with { fixture in
            let envelope = try await fixture.withRunning { database, producer async throws in
                let envelope = try await fixture.enqueue("committed", on: database)
                let relay = OutboxRelay(database: database, producer: producer, outbox: fixture.outbox, logger: fixture.logger)
                #expect(try await relay.publishRound() == 1)
                #expect(try await relay.publishRound() == 0, "nothing left to publish")
                #expect(try await fixture.count("SELECT count(*)::int FROM outbox WHERE published_at IS NULL", on: database) == 0)
                return envelope
            }
            let messages = try await TopicReader.read(topic: fixture.topic, expected: 1)
            #expect(messages.count == 1)
            let message = try #require(messages.first)
            let received = try EventEnvelope.decode(Data(message.value))
            #expect(received.id == envelope.id)
            #expect(received.type == ProbeSent.eventType)
            #expect(message.keyString == "aggregate-committed")
            #expect(message.header(MessageHeader.correlationId) == "corr-committed")
            #expect(try received.decodeData(ProbeSent.self).note == "committed")
        }
    }

    @Test("an event carries the store it was recorded for (the original store outside any); a reaction's events carry the store of the event it reacts to")
    func eventsCarryTheirStore() async throws {
        try await KitFixture.with { fixture in
            // The fixture works for the original store; this test starts outside any.
            try await fixture.withDatabase { database in try await StoreScope.$current.withValue(nil) {
                let storeA = StoreID.new()
                let inA = try await StoreScope.run(for: storeA) { try await fixture.enqueue("in-a", on: database) }
                #expect(inA.storeId == storeA)
                #expect(try await fixture.outboxHeader(MessageHeader.storeId, of: inA, on: database) == storeA.description,
                        "the Kafka header names the store too")
                let outside = try await fixture.enqueue("outside", on: database)
                #expect(outside.storeId == .original)

                let storeB = StoreID.new()
                let cause = try EventEnvelope(ProbeSent(probeId: "cause", note: "react", sentBy: "test"), subject: "cause",
                                              source: "/services/other", correlationId: nil, storeId: storeB)
                let outbox = fixture.outbox
                let logger = fixture.logger
                try await database.transaction(logger: logger) { connection in
                    try await FollowUpHandler().handle(EventContext(envelope: cause, connection: connection, logger: logger, outbox: outbox))
                }
                let followUp = try #require(try await fixture.recorded(note: "follow-up", on: database))
                #expect(followUp.storeId == storeB, "recorded while reacting to store B's event, outside any scope of its own")
                #expect(StoreScope.current == nil, "the reaction's store does not leak past it")
            } }
        }
    }

    @Test("a rolled-back transaction publishes nothing")
    func rolledBackPublishesNothing() async throws {
        struct Abort: Error {}
        try await KitFixture.with { fixture in
            try await fixture.withRunning { database, producer async throws in
                await #expect(throws: Abort.self) {
                    try await database.transaction(logger: fixture.logger) { connection in
                        try await fixture.outbox.enqueue(ProbeSent(probeId: "x", note: "rolled back", sentBy: "test"),
                                                         subject: "s", correlationId: nil, on: connection, logger: fixture.logger)
                        throw Abort()
                    }
                }
                let relay = OutboxRelay(database: database, producer: producer, outbox: fixture.outbox, logger: fixture.logger)
                #expect(try await relay.publishRound() == 0)
                #expect(try await fixture.count("SELECT count(*)::int FROM outbox", on: database) == 0)
            }
            let messages = try await TopicReader.read(topic: fixture.topic, expected: 0, quietPeriod: .seconds(2), timeout: .seconds(8))
            #expect(messages.isEmpty)
        }
    }

    @Test("a relay killed between publishing and marking republishes; the consumer's inbox absorbs the duplicate")
    func crashBetweenPublishAndMark() async throws {
        struct Killed: Error {}
        try await KitFixture.with { fixture in
            try await fixture.withRunning { database, producer async throws in
                try await fixture.enqueue("crash", on: database)
                let dying = OutboxRelay(database: database, producer: producer, outbox: fixture.outbox, logger: fixture.logger,
                                        afterPublish: { _ in throw Killed() })
                await #expect(throws: Killed.self) { try await dying.publishRound() }
                #expect(try await fixture.count("SELECT count(*)::int FROM outbox WHERE published_at IS NULL", on: database) == 1,
                        "the mark was rolled back with the crash")
                let restarted = OutboxRelay(database: database, producer: producer, outbox: fixture.outbox, logger: fixture.logger)
                #expect(try await restarted.publishRound() == 1)
            }
            let messages = try await TopicReader.read(topic: fixture.topic, expected: 2)
            #expect(messages.count == 2, "the event is on the topic twice")
            try await fixture.withRunning { database, producer async throws in
                let consumer = fixture.consumer([RecordingHandler()], database: database, producer: producer)
                for message in messages { await consumer.process(message) }
                #expect(try await fixture.count("SELECT count(*)::int FROM effects", on: database) == 1, "one effect")
                #expect(try await fixture.count("SELECT count(*)::int FROM inbox", on: database) == 1)
            }
        }
    }

    @Test("the relay wakes on NOTIFY and publishes while running as a service")
    func relayRunsAsService() async throws {
        try await KitFixture.with { fixture in
            try await fixture.withRunning { database, producer async throws in
                try await fixture.whileRelayRuns(on: database, producer, pollInterval: .seconds(60)) {
                    try await Task.sleep(for: .milliseconds(500))
                    for index in 0..<5 { try await fixture.enqueue("n\(index)", on: database) }
                    let messages = try await TopicReader.read(topic: fixture.topic, expected: 5, timeout: .seconds(10))
                    #expect(messages.count == 5, "published long before the 60 s polling fallback")
                }
                #expect(try await fixture.count("SELECT count(*)::int FROM outbox WHERE published_at IS NOT NULL", on: database) == 5)
            }
        }
    }

    @Test("a relay whose connection PostgreSQL cut off (a restart) connects again, takes its buckets back and publishes")
    func relaySurvivesACutConnection() async throws {
        try await KitFixture.with { fixture in
            try await fixture.withRunning { database, producer async throws in
                try await fixture.whileRelayRuns(on: database, producer, pollInterval: .milliseconds(200)) {
                    try await fixture.enqueue("before", on: database)
                    #expect(try await TopicReader.read(topic: fixture.topic, expected: 1, timeout: .seconds(10)).count == 1)
                    // The sessions holding this schema's relay buckets, ended as a fast shutdown ends them.
                    let cut = try await fixture.count("""
                        SELECT count(pg_terminate_backend(holders.pid))::int FROM (
                            SELECT DISTINCT l.pid FROM pg_locks l
                            WHERE l.locktype = 'advisory' AND l.classid = hashtext('\(fixture.schema.name)')::oid) AS holders
                        """, on: database)
                    #expect(cut == 1, "the relay's lease connection")
                    try await Task.sleep(for: .milliseconds(300))
                    try await fixture.enqueue("after", on: database)
                    let messages = try await TopicReader.read(topic: fixture.topic, expected: 2, timeout: .seconds(15))
                    #expect(messages.count == 2, "published after the cut")
                }
            }
        }
    }

    @Test("a running relay marks each row published at the time the broker acknowledged it, and marks what it still owes when it stops")
    func marksCarryTheAcknowledgementTime() async throws {
        try await KitFixture.with { fixture in
            try await fixture.withRunning { database, producer async throws in
                let seen = try await fixture.whileRelayRuns(on: database, producer, pollInterval: .seconds(60)) {
                    try await Task.sleep(for: .milliseconds(500))
                    try await fixture.enqueue("acknowledged", on: database)
                    #expect(try await TopicReader.read(topic: fixture.topic, expected: 1, timeout: .seconds(10)).count == 1)
                    let seen = Date()
                    try await Task.sleep(for: .seconds(1))
                    return seen
                }
                #expect(try await fixture.count("SELECT count(*)::int FROM outbox WHERE published_at IS NULL", on: database) == 0,
                        "the stopping relay marked the row it had published")
                let seenMicroseconds = Int64(seen.timeIntervalSince1970 * 1_000_000)
                #expect(try await fixture.count("""
                    SELECT count(*)::int FROM outbox
                    WHERE (extract(epoch FROM published_at) * 1000000)::int8 <= \(seenMicroseconds)
                    """, on: database) == 1, "published_at is when the broker acknowledged the row, not when the mark was written")
            }
        }
    }

    @Test("one relay at a time publishes a key bucket: a second replica's relay publishes nothing while the first runs, and takes over when it stops")
    func secondReplicaTakesOver() async throws {
        try await KitFixture.with { fixture in
            try await fixture.withRunning { database, producer async throws in
                let publishedBy = LockedBox<[String: [UUID]]>([:])
                func relay(_ name: String) -> OutboxRelay {
                    OutboxRelay(database: database, producer: producer, outbox: fixture.outbox, logger: fixture.logger,
                                pollInterval: .milliseconds(200), afterPublish: { ids in publishedBy.withLock { $0[name, default: []] += ids } })
                }
                func publishedEventually(_ envelope: EventEnvelope) async throws -> String? {
                    let id = try #require(UUID(uuidString: envelope.id))
                    let deadline = ContinuousClock.now + .seconds(10)
                    while ContinuousClock.now < deadline {
                        if let name = publishedBy.value.first(where: { $0.value.contains(id) })?.key { return name }
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    return nil
                }
                let first = Task { try await relay("first").run() }
                #expect(try await publishedEventually(fixture.enqueue("before", on: database)) == "first")
                let second = Task { try await relay("second").run() }
                try await Task.sleep(for: .milliseconds(500))
                for index in 0..<5 {
                    #expect(try await publishedEventually(fixture.enqueue("both-\(index)", on: database)) == "first",
                            "the buckets stay with the relay that holds them")
                }
                first.cancel()
                _ = await first.result
                #expect(try await publishedEventually(fixture.enqueue("after", on: database)) == "second",
                        "the first relay's buckets went to the second when it stopped")
                second.cancel()
                _ = await second.result
                #expect(publishedBy.value["second", default: []].count == 1)
                #expect(try await fixture.count("SELECT count(*)::int FROM outbox WHERE published_at IS NULL", on: database) == 0)
            }
        }
    }

    @Test("a relay whose producer cannot deliver lets go of the key buckets, and a replica that can publishes")
    func failingRelayLetsGo() async throws {
        try await KitFixture.with { fixture in
            try await fixture.withRunning { database, producer async throws in
                let unreachable = try KafkaProducer(
                    configuration: KafkaConfiguration(bootstrapServers: "127.0.0.1:1", properties: ["message.timeout.ms": "1000"]),
                    logger: fixture.logger)
                let failing = OutboxRelay(database: database, producer: unreachable, outbox: fixture.outbox, logger: fixture.logger,
                                          pollInterval: .milliseconds(200))
                let failingRun = Task { try await failing.run() }
                try await fixture.enqueue("stuck", on: database)
                try await Task.sleep(for: .milliseconds(1500))
                let healthy = OutboxRelay(database: database, producer: producer, outbox: fixture.outbox, logger: fixture.logger,
                                          pollInterval: .milliseconds(200))
                let healthyRun = Task { try await healthy.run() }
                let deadline = ContinuousClock.now + .seconds(15)
                var unpublished = 1
                while ContinuousClock.now < deadline, unpublished > 0 {
                    try await Task.sleep(for: .milliseconds(100))
                    unpublished = try await fixture.count("SELECT count(*)::int FROM outbox WHERE published_at IS NULL", on: database)
                }
                failingRun.cancel()
                healthyRun.cancel()
                _ = await (failingRun.result, healthyRun.result)
                await unreachable.shutdown(flushTimeout: .milliseconds(100))
                #expect(unpublished == 0, "the healthy replica published what the failing one could not")
            }
            #expect(try await TopicReader.read(topic: fixture.topic, expected: 1).count == 1)
        }
    }

    @Test("pruning removes only published rows older than the retention")
    func pruning() async throws {
        try await KitFixture.with { fixture in
            try await fixture.withRunning { database, producer async throws in
                for note in ["old", "recent"] { try await fixture.enqueue(note, on: database) }
                let relay = OutboxRelay(database: database, producer: producer, outbox: fixture.outbox, logger: fixture.logger)
                #expect(try await relay.publishRound() == 2)
                try await fixture.enqueue("unpublished", on: database)
                try await database.client.query("""
                    UPDATE outbox SET published_at = now() - interval '8 days', created_at = now() - interval '8 days'
                    WHERE message_key = 'aggregate-old'
                    """)
                #expect(try await relay.prunePublished(olderThan: .seconds(7 * 86_400)) == 1)
                #expect(try await fixture.count("SELECT count(*)::int FROM outbox", on: database) == 2)
                #expect(try await fixture.count("SELECT count(*)::int FROM outbox WHERE message_key = 'aggregate-old'", on: database) == 0)
            }
        }
    }
}
