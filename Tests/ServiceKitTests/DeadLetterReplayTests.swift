import EventContracts
import Foundation
import Kafka
import Logging
@testable import Messaging
import Persistence
import PostgresNIO
@testable import ServiceKit
import ServiceKitTestKit
import Testing

/// Fails while the `effects` table holds the row `switch`, as a handler does whose data is
/// not there yet; records its effect otherwise.
private struct SwitchedHandler: EventHandler {
    struct Broken: Error, CustomStringConvertible { var description: String { "the switch is on" } }
    var reactions: EventReactions {
        EventReactions().on(ProbeSent.self) { probe, context in
            for try await count in try await context.connection.query(
                "SELECT count(*)::int FROM effects WHERE event_id = 'switch'", logger: context.logger).decode(Int.self) where count > 0 {
                throw Broken()
            }
            try await context.connection.query(
                "INSERT INTO effects (event_id, note) VALUES (\(context.envelope.id), \(probe.note))", logger: context.logger)
        }
    }
}

/// Throws a real database outage error (from connecting to a port where nothing listens) the
/// first `failures` times, then records its effect.
private final class OutageHandler: EventHandler, @unchecked Sendable {
    let outage: any Error
    let failures = LockedBox(0)
    let remaining: Int

    init(outage: any Error, failures: Int) {
        self.outage = outage
        self.remaining = failures
    }

    var reactions: EventReactions {
        EventReactions().on(ProbeSent.self) { [self] probe, context in
            let failed = failures.withLock { count -> Bool in
                guard count < remaining else { return false }
                count += 1
                return true
            }
            if failed { throw outage }
            try await context.connection.query(
                "INSERT INTO effects (event_id, note) VALUES (\(context.envelope.id), \(probe.note))", logger: context.logger)
        }
    }
}

@Suite("Dead letters kept for staff, replayed through the inbox, discarded, audited; republishing the outbox")
struct DeadLetterReplayTests {
    private let staff = UUID()

    private func message(_ envelope: EventEnvelope, topic: String, offset: Int64) throws -> KafkaMessage {
        KafkaMessage(topic: topic, partition: 2, offset: offset, key: Array(envelope.subject.utf8), value: Array(try envelope.encoded()),
                     headers: [KafkaHeader(name: "ce-type", string: envelope.type)], timestampMilliseconds: nil)
    }

    private func consumer(_ fixture: KitFixture, _ handlers: [any EventHandler], database: Database, producer: KafkaProducer) -> EventConsumer {
        EventConsumer(
            settings: .init(groupID: "g", topics: [fixture.topic], deadLetterTopic: fixture.topic + ".dead-letter", maxAttempts: 2,
                            retryBackoff: .milliseconds(10)),
            kafka: TestInfrastructure.kafka, database: database, producer: producer, outbox: fixture.outbox,
            handlers: handlers, consumerName: "kit-test", logger: fixture.logger)
    }

    @Test("a failing event is kept once with its headers, error and payload; once fixed, a replay applies it exactly once, audited")
    func replayAppliesOnce() async throws {
        try await KitFixture.with { fixture in
            try await fixture.withRunning { database, producer async throws in
                let consumer = consumer(fixture, [SwitchedHandler()], database: database, producer: producer)
                let envelope = try EventEnvelope(ProbeSent(probeId: "p", note: "late", sentBy: "test"), subject: "k", source: "/test",
                                                 correlationId: "corr")
                try await database.client.query("INSERT INTO effects (event_id, note) VALUES ('switch', 'on')", logger: fixture.logger)
                #expect(await consumer.process(try message(envelope, topic: fixture.topic, offset: 41)))
                // The broker delivers it again (the offset was not committed before a crash): kept once.
                #expect(await consumer.process(try message(envelope, topic: fixture.topic, offset: 41)))
                let listed = try await consumer.deadLetters.list(status: .open, limit: 10, offset: 0, logger: fixture.logger)
                #expect(listed.total == 1)
                let letter = try #require(listed.items.first)
                #expect(letter.eventID == envelope.id && letter.eventType == ProbeSent.eventType)
                #expect(letter.topic == fixture.topic && letter.partition == 2 && letter.offset == 41 && letter.key == "k")
                #expect(letter.error.contains("the switch is on") && letter.attempts == 2)
                #expect(letter.headers["ce-type"] == ProbeSent.eventType)
                #expect(try EventEnvelope.decode(Data(letter.payload)).id == envelope.id)

                // Replayed while still broken: it stays open with the new error, and the try is counted and audited.
                #expect(try await consumer.replay(letter, by: staff, logger: fixture.logger) == .failed("the switch is on"))
                let stillOpen = try #require(try await consumer.deadLetters.find(letter.id, logger: fixture.logger))
                #expect(stillOpen.status == .open && stillOpen.replayAttempts == 1)
                #expect(try await fixture.count("SELECT count(*)::int FROM effects WHERE event_id <> 'switch'", on: database) == 0)

                try await database.client.query("DELETE FROM effects WHERE event_id = 'switch'", logger: fixture.logger)
                #expect(try await consumer.replay(stillOpen, by: staff, logger: fixture.logger) == .applied)
                #expect(try await fixture.count("SELECT count(*)::int FROM effects WHERE note = 'late'", on: database) == 1)
                let replayed = try #require(try await consumer.deadLetters.find(letter.id, logger: fixture.logger))
                #expect(replayed.status == .replayed && replayed.resolvedBy == staff && replayed.resolvedAt != nil)
                #expect(try await consumer.replay(replayed, by: staff, logger: fixture.logger) == .notOpen)
                // A later delivery of the same event is a duplicate for the inbox.
                #expect(await consumer.process(try message(envelope, topic: fixture.topic, offset: 42)))
                #expect(try await fixture.count("SELECT count(*)::int FROM effects WHERE note = 'late'", on: database) == 1)

                let actions = try await OperatorLog(database: database).list(limit: 10, offset: 0, logger: fixture.logger)
                #expect(actions.items.map(\.action) == ["dead_letter.replayed", "dead_letter.replay_failed"])
                #expect(actions.items.allSatisfy { $0.staffId == staff && $0.subject == "dead-letter:\(letter.id)" })
            }
        }
    }

    @Test("an event the inbox applied meanwhile is marked replayed without a second effect; discarding needs an open letter")
    func alreadyAppliedAndDiscard() async throws {
        try await KitFixture.with { fixture in
            try await fixture.withRunning { database, producer async throws in
                let consumer = consumer(fixture, [SwitchedHandler()], database: database, producer: producer)
                let first = try EventEnvelope(ProbeSent(probeId: "a", note: "first", sentBy: "test"), subject: "a", source: "/test", correlationId: nil)
                let second = try EventEnvelope(ProbeSent(probeId: "b", note: "second", sentBy: "test"), subject: "b", source: "/test", correlationId: nil)
                try await database.client.query("INSERT INTO effects (event_id, note) VALUES ('switch', 'on')", logger: fixture.logger)
                await consumer.process(try message(first, topic: fixture.topic, offset: 1))
                await consumer.process(try message(second, topic: fixture.topic, offset: 2))
                try await database.client.query("DELETE FROM effects WHERE event_id = 'switch'", logger: fixture.logger)
                // The first event comes again (a republish) and applies; its letter is then stale.
                await consumer.process(try message(first, topic: fixture.topic, offset: 3))
                let letters = try await consumer.deadLetters.list(status: .open, limit: 10, offset: 0, logger: fixture.logger).items
                let firstLetter = try #require(letters.first { $0.eventID == first.id })
                let secondLetter = try #require(letters.first { $0.eventID == second.id })
                #expect(try await consumer.replay(firstLetter, by: staff, logger: fixture.logger) == .alreadyApplied)
                #expect(try await fixture.count("SELECT count(*)::int FROM effects WHERE note = 'first'", on: database) == 1)

                #expect(try await consumer.deadLetters.discard(secondLetter.id, by: staff, reason: "test data", logger: fixture.logger))
                #expect(try await consumer.deadLetters.discard(secondLetter.id, by: staff, reason: "again", logger: fixture.logger) == false)
                let discarded = try #require(try await consumer.deadLetters.find(secondLetter.id, logger: fixture.logger))
                #expect(discarded.status == .discarded && discarded.note == "test data")
                #expect(try await consumer.replay(discarded, by: staff, logger: fixture.logger) == .notOpen)
                #expect(try await consumer.deadLetters.openCount(logger: fixture.logger) == 0)
                #expect(try await fixture.count("SELECT count(*)::int FROM effects WHERE note = 'second'", on: database) == 0)
            }
        }
    }

    @Test("a database outage is waited out, not counted towards the dead-letter limit; other errors still are")
    func outageIsNotTheEventsFault() async throws {
        var settings = try TestInfrastructure.adminSettings()
        settings.port = 1
        let refused: any Error
        do {
            _ = try await Database(settings: settings, applicationName: "outage", logger: TestInfrastructure.logger)
                .connectDedicated(logger: TestInfrastructure.logger)
            Issue.record("nothing listens on port 1")
            return
        } catch {
            refused = error
        }
        #expect(DatabaseOutage.matches(refused), "a refused connection is an outage: \(String(reflecting: refused))")
        #expect(!DatabaseOutage.matches(SwitchedHandler.Broken()))
        try await KitFixture.with { fixture in
            try await fixture.withRunning { database, producer async throws in
                // Four outage failures against a limit of two attempts: still applied, nothing dead-lettered.
                let handler = OutageHandler(outage: refused, failures: 4)
                let consumer = consumer(fixture, [handler], database: database, producer: producer)
                let envelope = try EventEnvelope(ProbeSent(probeId: "o", note: "outage", sentBy: "test"), subject: "o", source: "/test", correlationId: nil)
                #expect(await consumer.process(try message(envelope, topic: fixture.topic, offset: 7)))
                #expect(handler.failures.value == 4)
                #expect(try await fixture.count("SELECT count(*)::int FROM effects WHERE note = 'outage'", on: database) == 1)
                #expect(try await fixture.count("SELECT count(*)::int FROM dead_letters", on: database) == 0)
            }
        }
    }

    @Test("republishing queues every event published since a time again, in order, and the relay sends them; audited by the route")
    func republishSince() async throws {
        try await KitFixture.with { fixture in
            try await fixture.withRunning { database, producer async throws in
                let sent = try await fixture.whileRelayRuns(on: database, producer, pollInterval: .milliseconds(50)) {
                    var sent: [EventEnvelope] = []
                    for note in ["one", "two", "three"] { sent.append(try await fixture.enqueue(note, on: database)) }
                    _ = try await TopicReader.read(topic: fixture.topic, expected: 3)
                    return sent
                }
                #expect(try await fixture.count("SELECT count(*)::int FROM outbox WHERE published_at IS NULL", on: database) == 0)
                let outbox = fixture.outbox
                let logger = fixture.logger
                let before = try await database.transaction(logger: logger) { connection in
                    try await outbox.republish(since: Date().addingTimeInterval(3600), until: nil, on: connection, logger: logger)
                }
                #expect(before.count == 0, "nothing was published after a time to come")
                let again = try await database.transaction(logger: logger) { connection in
                    try await outbox.republish(since: Date().addingTimeInterval(-3600), until: nil, on: connection, logger: logger)
                }
                #expect(again.count == 3 && again.keptSince != nil)
                #expect(try await fixture.count("SELECT count(*)::int FROM outbox WHERE published_at IS NULL", on: database) == 3)
                let received = try await fixture.whileRelayRuns(on: database, producer, pollInterval: .milliseconds(50)) {
                    try await TopicReader.read(topic: fixture.topic, expected: 6)
                }
                let ids = try received.map { try EventEnvelope.decode(Data($0.value)).id }
                for envelope in sent { #expect(ids.filter { $0 == envelope.id }.count == 2, "each event twice on the topic") }
                #expect(try await fixture.count("SELECT count(*)::int FROM outbox WHERE published_at IS NULL", on: database) == 0)
            }
        }
    }
}
