import Foundation
import Kafka
import Logging
import Persistence
import ServiceKit

/// Reads a topic from the beginning, for tests that check what was published.
public enum TopicReader {
    /// Reads every partition from its first message until it has read everything that was
    /// in the topic when the read began and at least `expected` messages, then for
    /// `quietPeriod` more (to catch what comes later), or until `timeout`. Partitions are
    /// assigned by hand (no consumer group to join), and "everything" is each partition's end
    /// offset asked of the broker at the start, so the read does not end early because one
    /// partition's messages came later than another's.
    public static func read(
        topic: String, expected: Int, quietPeriod: Duration = .zero, timeout: Duration = .seconds(30)
    ) async throws -> [KafkaMessage] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var (consumer, ends) = try await KafkaConsumer.wholeTopic(topic, configuration: TestInfrastructure.kafka,
                                                                  logger: TestInfrastructure.logger)
        // A topic not created yet: ask again until it exists (or the time is up).
        while ends.isEmpty && expected > 0 && clock.now < deadline {
            await consumer.close()
            try await Task.sleep(for: .milliseconds(200))
            (consumer, ends) = try await KafkaConsumer.wholeTopic(topic, configuration: TestInfrastructure.kafka,
                                                                  logger: TestInfrastructure.logger)
        }
        let collected = LockedBox<[KafkaMessage]>([])
        let reached = LockedBox<[Int32: Int64]>([:])
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [consumer] in
                    for try await message in consumer.messages {
                        collected.withLock { $0.append(message) }
                        reached.withLock { $0[message.partition] = max($0[message.partition] ?? -1, message.offset + 1) }
                    }
                }
                var satisfiedAt: ContinuousClock.Instant?
                while clock.now < deadline {
                    let atEnd = reached.withLock { reached in ends.allSatisfy { (reached[$0.key] ?? 0) >= $0.value } }
                    if atEnd && collected.value.count >= expected {
                        let since = satisfiedAt ?? clock.now
                        satisfiedAt = since
                        if clock.now - since >= quietPeriod { break }
                    }
                    try await Task.sleep(for: .milliseconds(20))
                }
                consumer.stopPolling()
                try await group.waitForAll()
            }
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
        return collected.value
    }
}
