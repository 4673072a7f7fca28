import Foundation
import Kafka
import Logging
import ServiceKit

/// Reads a topic from the beginning in a throw-away consumer group, for tests that check
/// what was published.
public enum TopicReader {
    /// Collects messages until `expected` arrived and then `quietPeriod` passes without more,
    /// or `timeout` passes.
    public static func read(
        topic: String, expected: Int, quietPeriod: Duration = .milliseconds(1500), timeout: Duration = .seconds(30)
    ) async throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(
            configuration: TestInfrastructure.kafka, groupID: TestInfrastructure.uniqueName("reader"),
            topics: [topic], logger: TestInfrastructure.logger)
        let collected = LockedBox<[KafkaMessage]>([])
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await message in consumer.messages { collected.withLock { $0.append(message) } }
            }
            var lastCount = 0
            var lastChange = clock.now
            while clock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                let count = collected.value.count
                if count != lastCount { lastCount = count; lastChange = clock.now }
                if count >= expected && clock.now - lastChange >= quietPeriod { break }
            }
            consumer.stopPolling()
            try await group.waitForAll()
        }
        await consumer.close()
        return collected.value
    }
}
