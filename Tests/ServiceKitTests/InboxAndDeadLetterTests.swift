import EventContracts
import Foundation
import Kafka
@testable import Messaging
@testable import ServiceKit
import ServiceKitTestKit
import ServiceLifecycle
import Testing

@Suite("Inbox deduplication and dead letters")
struct InboxAndDeadLetterTests {
    private func message(for envelope: EventEnvelope, topic: String, offset: Int64 = 0) throws -> KafkaMessage {
        KafkaMessage(topic: topic, partition: 0, offset: offset, key: Array(envelope.subject.utf8),
                     value: Array(try envelope.encoded()), headers: [], timestampMilliseconds: nil)
    }

    @Test("the same event delivered twice, then ten times at once, has exactly one effect")
    func duplicateDeliveriesHaveOneEffect() async throws {
        try await KitFixture.with { fixture in
            let envelope = try EventEnvelope(ProbeSent(probeId: "p", note: "once", sentBy: "test"), subject: "s",
                                             source: "/test", correlationId: nil)
            let message = try message(for: envelope, topic: fixture.topic)
            try await fixture.withRunning { database, producer async throws in
                let consumer = fixture.consumer([RecordingHandler()], database: database, producer: producer)
                await consumer.process(message)
                await consumer.process(message)
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<10 { group.addTask { await consumer.process(message) } }
                }
                #expect(try await fixture.count("SELECT count(*)::int FROM effects", on: database) == 1)
            }
        }
    }

    @Test("an event whose payload the reaction's condition turns down opens no transaction: no inbox row, no effect, alone or in a burst")
    func conditionTurnsDownBeforeTheTransaction() async throws {
        struct Choosy: EventHandler {
            var reactions: EventReactions {
                EventReactions().on(ProbeSent.self, when: { $0.note != "nothing to do" }) { probe, context in
                    try await context.connection.query(
                        "INSERT INTO effects (event_id, note) VALUES (\(context.envelope.id), \(probe.note))", logger: context.logger)
                }
            }
        }
        try await KitFixture.with { fixture in
            let notes = ["nothing to do", "act", "nothing to do", "act too"]
            let envelopes = try notes.map { try EventEnvelope(ProbeSent(probeId: "p", note: $0, sentBy: "test"), subject: "s", source: "/test", correlationId: nil) }
            let messages = try envelopes.enumerated().map { try message(for: $1, topic: fixture.topic, offset: Int64($0)) }
            try await fixture.withRunning { database, producer async throws in
                let consumer = fixture.consumer([Choosy()], database: database, producer: producer)
                await consumer.process(messages[0])
                await consumer.process(messages[1])
                #expect(try await fixture.count("SELECT count(*)::int FROM inbox", on: database) == 1, "only the wanted event was claimed")
                await consumer.process(batch: Array(messages[2...]))
                #expect(try await fixture.count("SELECT count(*)::int FROM inbox", on: database) == 2)
                #expect(try await fixture.count("SELECT count(*)::int FROM effects WHERE note IN ('act', 'act too')", on: database) == 2)
                #expect(try await fixture.count("SELECT count(*)::int FROM effects WHERE note = 'nothing to do'", on: database) == 0)
            }
        }
    }

    @Test("a burst applied in one transaction keeps one effect per event, duplicates inside the burst included")
    func burstWithDuplicates() async throws {
        try await KitFixture.with { fixture in
            let envelopes = try (0..<5).map { index in
                try EventEnvelope(ProbeSent(probeId: "p\(index)", note: "n\(index)", sentBy: "test"), subject: "s", source: "/test", correlationId: nil)
            }
            let burst = try envelopes.enumerated().map { try message(for: $1, topic: fixture.topic, offset: Int64($0)) }
                + [try message(for: envelopes[1], topic: fixture.topic, offset: 5), try message(for: envelopes[3], topic: fixture.topic, offset: 6)]
            try await fixture.withRunning { database, producer async throws in
                let consumer = fixture.consumer([RecordingHandler()], database: database, producer: producer)
                await consumer.process(batch: burst)
                await consumer.process(batch: burst)
                #expect(try await fixture.count("SELECT count(*)::int FROM effects", on: database) == 5)
                #expect(try await fixture.count("SELECT count(DISTINCT event_id)::int FROM effects", on: database) == 5)
            }
        }
    }

    @Test("a burst's transaction lets each handler prepare once, with the burst's events of its types, before any is handled")
    func burstIsPreparedFirst() async throws {
        try await KitFixture.with { fixture in
            let probes = try (0..<3).map { index in
                try EventEnvelope(ProbeSent(probeId: "p\(index)", note: "n\(index)", sentBy: "test"), subject: "s", source: "/test", correlationId: nil)
            }
            let other = EventEnvelope(type: "shop.test.unrelated.v1", source: "/test", subject: "s", correlationId: nil, data: Data("{}".utf8))
            let burst = try (probes + [other]).enumerated().map { try message(for: $1, topic: fixture.topic, offset: Int64($0)) }
            try await fixture.withRunning { database, producer async throws in
                let consumer = fixture.consumer([PreparingHandler()], database: database, producer: producer)
                await consumer.process(batch: burst)
                #expect(try await fixture.count("SELECT count(*)::int FROM effects WHERE event_id = 'prepare' AND note = '3'", on: database) == 1)
                #expect(try await fixture.count("SELECT count(*)::int FROM effects WHERE event_id <> 'prepare' AND note = 'after'", on: database) == 3)
                #expect(try await fixture.count("SELECT count(*)::int FROM effects", on: database) == 4)
            }
        }
    }

    @Test("a handler that always throws sends the message to the dead-letter topic after the configured attempts; the partition moves on")
    func poisonMessageGoesToDeadLetter() async throws {
        try await KitFixture.with { fixture in
            let deadLetterTopic = fixture.topic + ".dead-letter"
            try await fixture.withRunning { database, producer async throws in
                // First message: a type the failing handler takes; second: an envelope it does not.
                let bad = try EventEnvelope(ProbeSent(probeId: "bad", note: "bad", sentBy: "test"), subject: "one-key",
                                            source: "/test", correlationId: "c-bad")
                let good = EventEnvelope(type: "shop.test.other.v1", source: "/test", subject: "one-key", correlationId: nil, data: Data("{}".utf8))
                try await producer.send(topic: fixture.topic, key: "one-key", value: Array(try bad.encoded()))
                try await producer.send(topic: fixture.topic, key: "one-key", value: Array("not json at all".utf8))
                try await producer.send(topic: fixture.topic, key: "one-key", value: Array(try good.encoded()))
                let consumer = EventConsumer(
                    settings: .init(groupID: TestInfrastructure.uniqueName("dlq"), topics: [fixture.topic], deadLetterTopic: deadLetterTopic,
                                    maxAttempts: 3, retryBackoff: .milliseconds(10)),
                    kafka: TestInfrastructure.kafka, database: database, producer: producer, outbox: fixture.outbox,
                    handlers: [FailingHandler()], consumerName: "kit-test", logger: fixture.logger)
                let group = ServiceGroup(services: [consumer], logger: fixture.logger)
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await group.run() }
                    let received = try await TopicReader.read(topic: deadLetterTopic, expected: 2)
                    await group.triggerGracefulShutdown()
                    try await tasks.waitForAll()
                    #expect(received.count == 2)
                    let handlerFailure = try #require(received.first { $0.header(MessageHeader.deadLetterAttempts) == "3" })
                    #expect(handlerFailure.header(MessageHeader.deadLetterError)?.contains("handler exploded") == true)
                    #expect(handlerFailure.header(MessageHeader.deadLetterTopic) == fixture.topic)
                    #expect(try EventEnvelope.decode(Data(handlerFailure.value)).id == bad.id)
                    let poison = try #require(received.first { $0.header(MessageHeader.deadLetterAttempts) == "0" })
                    #expect(String(decoding: poison.value, as: UTF8.self) == "not json at all")
                }
                #expect(try await fixture.count("SELECT count(*)::int FROM inbox", on: database) == 0, "failed effects roll back")
            }
        }
    }

    @Test("an event whose payload does not decode as its type goes to the dead-letter topic at once; its burst's other events apply")
    func undecodablePayloadIsDeadLettered() async throws {
        try await KitFixture.with { fixture in
            let deadLetterTopic = fixture.topic + ".dead-letter"
            try await fixture.withRunning { database, producer async throws in
                let good = try EventEnvelope(ProbeSent(probeId: "good", note: "kept", sentBy: "test"), subject: "k", source: "/test", correlationId: nil)
                let broken = EventEnvelope(type: ProbeSent.eventType, source: "/test", subject: "k", correlationId: nil,
                                           data: Data(#"{"probe_id":5,"note":"n"}"#.utf8))
                let consumer = EventConsumer(
                    settings: .init(groupID: TestInfrastructure.uniqueName("undecodable"), topics: [fixture.topic], deadLetterTopic: deadLetterTopic,
                                    maxAttempts: 3, retryBackoff: .milliseconds(10)),
                    kafka: TestInfrastructure.kafka, database: database, producer: producer, outbox: fixture.outbox,
                    handlers: [RecordingHandler()], consumerName: "kit-test", logger: fixture.logger)
                await consumer.process(batch: [try message(for: broken, topic: fixture.topic, offset: 0),
                                               try message(for: good, topic: fixture.topic, offset: 1)])
                let received = try await TopicReader.read(topic: deadLetterTopic, expected: 1)
                let dead = try #require(received.first)
                #expect(try EventEnvelope.decode(Data(dead.value)).id == broken.id)
                #expect(dead.header(MessageHeader.deadLetterAttempts) == "0", "a payload that cannot decode is not retried")
                #expect(dead.header(MessageHeader.deadLetterError)?.contains("payload does not decode") == true)
                #expect(try await fixture.count("SELECT count(*)::int FROM effects WHERE note = 'kept'", on: database) == 1)
                #expect(try await fixture.count("SELECT count(*)::int FROM inbox", on: database) == 1, "only the good event is in the inbox")
            }
        }
    }
}
