import EventContracts
import Foundation
import Kafka
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceKit
import ServiceKitTestKit

/// On-demand benchmarks against the real local broker and PostgreSQL (`./suite bench`).
/// Prints one line per figure; nothing here is a pass/fail test.
@main
struct Benchmark {
    static let logger = TestInfrastructure.logger

    static func main() async throws {
        let which = CommandLine.arguments.dropFirst().first ?? "all"
        if which == "all" || which == "kafka" { try await kafkaThroughput(messages: 100_000, size: 200) }
        if which == "all" || which == "outbox" { try await outboxLatency(rate: 1000, seconds: 10) }
        if which == "tokens" { try await TokenVerification.run() }
        if which == "outbox-low" { try await outboxLatency(rate: 200, seconds: 10) }
        if which == "orders" {
            // orders <gateway> <payments webhooks> <card webhook secret> <comma-separated targets> <comma-separated rates> <seconds>
            // A target is a variant of the original store, or <store id>|<publishable key>|<variant> of another.
            let arguments = Array(CommandLine.arguments.dropFirst(2))
            let purchases = OrderThroughput(gateway: arguments[0], webhooks: arguments[1], cardWebhookSecret: arguments[2],
                                            targets: arguments[3].split(separator: ",").map { PurchaseTarget(String($0)) })
            for rate in arguments[4].split(separator: ",").compactMap({ Int($0) }) {
                try await purchases.run(rate: rate, seconds: Int(arguments[5]) ?? 20)
            }
            try await purchases.shutdown()
        }
        if which == "reservations" {
            // reservations <topic prefix> <hot variant> <comma-separated variants>
            let arguments = Array(CommandLine.arguments.dropFirst(2))
            try await reservationThroughput(prefix: arguments[0], variants: [arguments[1]], count: 2_000, label: "one hot variant")
            try await reservationThroughput(prefix: arguments[0], variants: arguments[2].split(separator: ",").map(String.init),
                                            count: 2_000, label: "spread over many variants")
        }
    }

    /// Producer: 200-byte messages, every one acknowledged (acks=all, idempotent), in batches
    /// handed over in order. Consumer: the same messages read in a fresh group.
    static func kafkaThroughput(messages count: Int, size: Int) async throws {
        let topic = TestInfrastructure.uniqueName("bench")
        try await KafkaAdmin(configuration: TestInfrastructure.kafka, logger: logger).ensureTopics([.init(name: topic, partitions: 3)])
        let producer = try KafkaProducer(configuration: TestInfrastructure.kafka, logger: logger)
        let payload = [UInt8](repeating: 0x61, count: size)
        let batch = 5_000
        let clock = ContinuousClock()
        // Warm-up: connections, metadata, producer id.
        _ = await producer.sendBatch((0..<100).map { OutgoingMessage(topic: topic, key: Array("w\($0)".utf8), value: payload) })
        let start = clock.now
        var failed = 0
        for offset in stride(from: 0, to: count, by: batch) {
            let messages = (offset..<min(offset + batch, count)).map { OutgoingMessage(topic: topic, key: Array("k\($0 % 64)".utf8), value: payload) }
            failed += await producer.sendBatch(messages).filter { if case .failure = $0 { true } else { false } }.count
        }
        let produceSeconds = (clock.now - start).seconds
        await producer.shutdown()
        print(String(format: "kafka.produce: %d x %d B acknowledged in %.2f s = %.0f msg/s (failed %d)", count, size, produceSeconds, Double(count) / produceSeconds, failed))

        // Concurrent single sends, the way request handlers would use `send`.
        let single = try KafkaProducer(configuration: TestInfrastructure.kafka, logger: logger)
        let singles = 20_000
        let singleStart = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<200 {
                group.addTask {
                    for index in stride(from: worker, to: singles, by: 200) {
                        try await single.send(topic: topic, key: Array("s\(index % 64)".utf8), value: payload)
                    }
                }
            }
            try await group.waitForAll()
        }
        let singleSeconds = (clock.now - singleStart).seconds
        await single.shutdown()
        print(String(format: "kafka.send (200 concurrent awaiting senders): %d in %.2f s = %.0f msg/s", singles, singleSeconds, Double(singles) / singleSeconds))

        let consumer = try KafkaConsumer(configuration: TestInfrastructure.kafka, groupID: TestInfrastructure.uniqueName("bench"),
                                         topics: [topic], logger: logger)
        let total = count + 100 + singles
        var seen = 0
        var firstAt: ContinuousClock.Instant?
        for try await _ in consumer.messages {
            if firstAt == nil { firstAt = clock.now }
            seen += 1
            if seen == total { break }
        }
        let consumeSeconds = (clock.now - firstAt!).seconds
        await consumer.close()
        print(String(format: "kafka.consume (group, 3 partitions): %d in %.2f s = %.0f msg/s", seen, consumeSeconds, Double(seen) / consumeSeconds))
    }

    /// Commits `rate` transactions per second, each writing one row and one outbox event; the
    /// relay publishes, a consumer in a group applies each through the inbox. Latency is from
    /// the committing transaction's return to the end of the handler's effect.
    static func outboxLatency(rate: Int, seconds: Int) async throws {
        let schema = try await TestSchema.create(prefix: "bench")
        let topic = TestInfrastructure.uniqueName("bench-outbox")
        try await KafkaAdmin(configuration: TestInfrastructure.kafka, logger: logger)
            .ensureTopics([.init(name: topic, partitions: 3), .init(name: topic + ".dead-letter", partitions: 1)])
        let outbox = Outbox(topic: topic, serviceName: "bench", schema: schema.name)
        let committedAt = LockedBox<[String: ContinuousClock.Instant]>([:])
        let latencies = LockedBox<[Duration]>([])
        let total = rate * seconds
        /// This process's, PostgreSQL's and the broker's CPU seconds when the load starts and when its last event is applied.
        let cpuBefore = LockedBox((0.0, 0.0, 0.0)), cpuAfter = LockedBox((0.0, 0.0, 0.0))
        try await TestInfrastructure.withClient(schema.settings) { database in
            try await MigrationRunner(database: database, migrations: KitMigrations.all + [
                Migration(version: 100, name: "effects", sql: "CREATE TABLE effects (event_id text PRIMARY KEY);"),
            ]).migrate(logger: logger)
            let producer = try KafkaProducer(configuration: TestInfrastructure.kafka, logger: logger)
            let relay = OutboxRelay(database: database, producer: producer, outbox: outbox, logger: logger)
            let handler = LatencyHandler(committedAt: committedAt, latencies: latencies)
            let consumer = EventConsumer(
                settings: .init(groupID: TestInfrastructure.uniqueName("bench"), topics: [topic], deadLetterTopic: topic + ".dead-letter"),
                kafka: TestInfrastructure.kafka, database: database, producer: producer, outbox: outbox,
                handlers: [handler], consumerName: "bench", logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await relay.run() }
                group.addTask { try await consumer.run() }
                try await Task.sleep(for: .seconds(5)) // group join
                let clock = ContinuousClock()
                let start = clock.now
                cpuBefore.withLock { $0 = (ProcessCPU.own(), ProcessCPU.named("postgres"), ProcessCPU.named("tansu")) }
                try await withThrowingTaskGroup(of: Void.self) { writers in
                    for index in 0..<total {
                        let due = start + .microseconds(Int64(index) * 1_000_000 / Int64(rate))
                        if due > clock.now { try await Task.sleep(until: due, clock: clock) }
                        writers.addTask {
                            let eventID = UUID().uuidString.lowercased()
                            let envelope = try EventEnvelope(ProbeSent(probeId: eventID, note: "bench", sentBy: "bench"),
                                                             subject: "order-\(index % 500)", source: outbox.source, correlationId: nil, id: eventID)
                            try await database.transaction(logger: logger) { connection in
                                try await outbox.enqueue(envelope, on: connection, logger: logger)
                            }
                            committedAt.withLock { $0[eventID] = clock.now }
                        }
                    }
                    try await writers.waitForAll()
                }
                let deadline = clock.now + .seconds(30)
                while latencies.value.count < total && clock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
                cpuAfter.withLock { $0 = (ProcessCPU.own(), ProcessCPU.named("postgres"), ProcessCPU.named("tansu")) }
                group.cancelAll()
            }
            await producer.shutdown()
            let rows = try await database.client.query("""
                SELECT (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM published_at - created_at)) * 1000)::float8,
                       (percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM published_at - created_at)) * 1000)::float8
                FROM outbox
                """, logger: logger)
            for try await (p50, p99) in rows.decode((Double, Double).self) {
                print(String(format: "outbox row written → published (relay): p50 %.1f ms, p99 %.1f ms", p50, p99))
            }
        }
        let inOrder = latencies.value
        if inOrder.count >= 10 {
            let tenth = inOrder.count / 10
            let slices = (0..<10).map { slice -> String in
                let part = inOrder[(slice * tenth)..<((slice + 1) * tenth)].sorted()
                return String(format: "%.0f", part[part.count / 2].milliseconds)
            }
            print("outbox→consumer median per tenth of the run (ms): \(slices.joined(separator: " "))")
        }
        let sorted = inOrder.sorted()
        func percentile(_ p: Double) -> Double { sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))].milliseconds }
        print(String(format: "outbox→consumer at %d events/s for %d s: %d applied, p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                     rate, seconds, sorted.count, percentile(0.5), percentile(0.99), sorted.last?.milliseconds ?? .nan))
        // One hop's cost: writing the outbox row, the relay publishing it, the consumer's inbox
        // and effect transaction (all in this process, as in a service), PostgreSQL and the broker.
        if !sorted.isEmpty {
            let events = Double(sorted.count)
            let (before, after) = (cpuBefore.value, cpuAfter.value)
            let own = (after.0 - before.0) / events * 1e6, postgres = (after.1 - before.1) / events * 1e6
            let broker = (after.2 - before.2) / events * 1e6
            print(String(format: "one hop's CPU per event: writer + relay + consumer %.0f µs, PostgreSQL %.0f µs, broker %.0f µs, in all %.0f µs",
                         own, postgres, broker, own + postgres + broker))
        }
        try await schema.drop()
    }
}

/// Records how long each event took from its commit to its effect.
struct LatencyHandler: EventHandler {
    let committedAt: LockedBox<[String: ContinuousClock.Instant]>
    let latencies: LockedBox<[Duration]>
    var reactions: EventReactions {
        EventReactions().on(ProbeSent.self) { _, context in try await record(context) }
    }

    private func record(_ context: EventContext) async throws {
        try await context.connection.query("INSERT INTO effects (event_id) VALUES (\(context.envelope.id))", logger: context.logger)
        let now = ContinuousClock.now
        // The writer records the commit instant right after its transaction returns; an event
        // applied before that line ran is counted from now (latency ~0), never skipped.
        let committed = committedAt.withLock { $0[context.envelope.id] } ?? now
        latencies.withLock { $0.append(now - committed) }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var milliseconds: Double { seconds * 1000 }
}
