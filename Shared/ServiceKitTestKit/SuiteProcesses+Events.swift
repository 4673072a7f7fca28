import EventContracts
import Foundation
import Kafka

extension SuiteProcesses {
    /// Publishes an event on one of the suite's topics (by logical name), as the service
    /// that owns the topic would: a CloudEvents envelope keyed by `subject`.
    public func publish<Payload: EventPayload>(_ payload: Payload, on topic: String, subject: String,
                                               source: String, correlationId: String? = nil) async throws {
        try await publish(try EventEnvelope(payload, subject: subject, source: source, correlationId: correlationId), on: topic)
    }

    /// Publishes a prepared envelope (one a test made wrong on purpose, say) on a suite topic.
    public func publish(_ envelope: EventEnvelope, on topic: String) async throws {
        let producer = try KafkaProducer(configuration: TestInfrastructure.kafka, logger: TestInfrastructure.logger)
        var headers = [KafkaHeader(name: "ce-type", value: Array(envelope.type.utf8))]
        if let correlationId = envelope.correlationId { headers.append(KafkaHeader(name: "correlation-id", value: Array(correlationId.utf8))) }
        do {
            try await producer.send(topic: topicPrefix + topic, key: envelope.subject, value: Array(try envelope.encoded()), headers: headers)
        } catch {
            await producer.shutdown()
            throw error
        }
        await producer.shutdown()
    }

    /// The events of one type on a suite topic (by logical name) whose `subject` is given,
    /// waiting until `count` arrived or `timeout` passed. Each pass reads the whole topic as
    /// it is at that moment; what any pass saw is kept (by event id). To check that something happened exactly once, ask for one more than
    /// expected with a short timeout: every pass until then is read.
    public func events(on topic: String, type: String, subject: String, count: Int = 1,
                       timeout: Duration = .seconds(30)) async throws -> [EventEnvelope] {
        let deadline = ContinuousClock.now + timeout
        var found: [String: EventEnvelope] = [:]
        repeat {
            let messages = try await TopicReader.read(topic: topicPrefix + topic, expected: 0, timeout: .seconds(10))
            for envelope in messages.compactMap({ try? EventEnvelope.decode(Data($0.value)) })
            where envelope.type == type && envelope.subject == subject {
                found[envelope.id] = envelope
            }
            if found.count >= count { break }
            try await Task.sleep(for: .milliseconds(300))
        } while ContinuousClock.now < deadline
        return found.values.sorted { $0.time < $1.time }
    }
}
