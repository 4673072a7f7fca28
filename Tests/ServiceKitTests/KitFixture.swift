import EventContracts
import Foundation
import Kafka
import Logging
@testable import Messaging
import Persistence
import PostgresNIO
@testable import ServiceKit
import ServiceKitTestKit

/// A role and schema of its own, migrated with the kit's tables plus an `effects` table that
/// counts every time a handler ran, a topic of its own, and a producer.
struct KitFixture {
    let schema: TestSchema
    let topic: String
    let outbox: Outbox
    let logger = TestInfrastructure.logger

    /// Runs `body` with a fresh fixture and drops its schema afterwards, also when `body` throws.
    static func with<R>(_ body: (KitFixture) async throws -> R) async throws -> R {
        let fixture = try await make()
        return try await fixture.schema.dropping { _ in try await body(fixture) }
    }

    static func make() async throws -> KitFixture {
        let schema = try await TestSchema.create(prefix: "kit")
        let topic = TestInfrastructure.uniqueName("kit-events")
        try await KafkaAdmin(configuration: TestInfrastructure.kafka, logger: TestInfrastructure.logger)
            .ensureTopics([.init(name: topic, partitions: 3), .init(name: topic + ".dead-letter", partitions: 1)])
        let fixture = KitFixture(schema: schema, topic: topic, outbox: Outbox(topic: topic, serviceName: "kit-test", schema: schema.name))
        try await fixture.withDatabase { database in
            try await MigrationRunner(database: database, migrations: KitMigrations.all + [
                Migration(version: 100, name: "effects", sql: "CREATE TABLE effects (event_id text NOT NULL, note text NOT NULL);"),
            ]).migrate(logger: fixture.logger)
        }
        return fixture
    }

    func withDatabase<R: Sendable>(_ body: @Sendable (Database) async throws -> R) async throws -> R {
        try await TestInfrastructure.withClient(schema.settings, body)
    }

    /// Runs `body` with a database and a producer that are shut down afterwards.
    func withRunning<R: Sendable>(_ body: @Sendable (Database, KafkaProducer) async throws -> R) async throws -> R {
        let producer = try KafkaProducer(configuration: TestInfrastructure.kafka, logger: logger)
        do {
            let result = try await withDatabase { try await body($0, producer) }
            await producer.shutdown()
            return result
        } catch {
            await producer.shutdown()
            throw error
        }
    }

    /// Runs a relay as a service (polling every `pollInterval`) while `body` runs, then stops
    /// it; a stopping relay marks what it still owes.
    func whileRelayRuns<R: Sendable>(on database: Database, _ producer: KafkaProducer, pollInterval: Duration,
                                     _ body: () async throws -> R) async throws -> R {
        let relay = OutboxRelay(database: database, producer: producer, outbox: outbox, logger: logger, pollInterval: pollInterval)
        let running = Task { try await relay.run() }
        defer { running.cancel() }
        let result = try await body()
        running.cancel()
        _ = await running.result
        return result
    }

    /// Writes a probe event into the outbox in its own transaction.
    @discardableResult
    func enqueue(_ note: String, on database: Database) async throws -> EventEnvelope {
        let outbox = self.outbox
        let logger = self.logger
        return try await database.transaction(logger: logger) { connection in
            try await outbox.enqueue(ProbeSent(probeId: UUID().uuidString, note: note, sentBy: "test"),
                                     subject: "aggregate-\(note)", correlationId: "corr-\(note)", on: connection, logger: logger)
        }
    }

    /// A consumer of the fixture's topic in group `g`, with the given handlers, for tests that
    /// hand it messages directly (`process`).
    func consumer(_ handlers: [any EventHandler], database: Database, producer: KafkaProducer) -> EventConsumer {
        EventConsumer(
            settings: .init(groupID: "g", topics: [topic], deadLetterTopic: topic + ".dead-letter"),
            kafka: TestInfrastructure.kafka, database: database, producer: producer, outbox: outbox,
            handlers: handlers, consumerName: "kit-test", logger: logger)
    }

    /// The Kafka header `name` the outbox row of `envelope` will be published with.
    func outboxHeader(_ name: String, of envelope: EventEnvelope, on database: Database) async throws -> String? {
        let rows = try await database.client.query(
            "SELECT headers->>\(name) FROM outbox WHERE event_id = \(UUID(uuidString: envelope.id)!)", logger: logger)
        for try await value in rows.decode(String?.self) { return value }
        return nil
    }

    /// The envelope of the probe event with `note` in the outbox, if one was recorded.
    func recorded(note: String, on database: Database) async throws -> EventEnvelope? {
        let rows = try await database.client.query("SELECT payload FROM outbox ORDER BY id", logger: logger)
        for try await payload in rows.decode(ByteBuffer.self) {
            let envelope = try EventEnvelope.decode(Data(payload.readableBytesView))
            if try envelope.decodeData(ProbeSent.self).note == note { return envelope }
        }
        return nil
    }

    func count(_ sql: String, on database: Database) async throws -> Int {
        let rows = try await database.client.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        for try await value in rows.decode(Int.self) { return value }
        return 0
    }
}

/// Reacts to a probe noted `react` by recording a `follow-up` probe through the outbox.
struct FollowUpHandler: EventHandler {
    var reactions: EventReactions {
        EventReactions().on(ProbeSent.self, when: { $0.note == "react" }) { _, context in
            try await context.outbox.enqueue(ProbeSent(probeId: UUID().uuidString, note: "follow-up", sentBy: "test"),
                                             subject: "follow-up", correlationId: nil, on: context.connection, logger: context.logger)
        }
    }
}

/// Records each application in `effects`, so a test can count how often the effect happened.
struct RecordingHandler: EventHandler {
    var reactions: EventReactions {
        EventReactions().on(ProbeSent.self) { probe, context in
            try await context.connection.query(
                "INSERT INTO effects (event_id, note) VALUES (\(context.envelope.id), \(probe.note))", logger: context.logger)
        }
    }
}

/// Records its batch preparation as an `effects` row (`prepare`, with the batch's size), and
/// each event with whether that preparation was already there in the same transaction.
struct PreparingHandler: EventHandler {
    func prepare(batch events: [any EventPayload], on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("INSERT INTO effects (event_id, note) VALUES ('prepare', \(String(events.count)))", logger: logger)
    }

    var reactions: EventReactions {
        EventReactions().on(ProbeSent.self) { _, context in
            try await context.connection.query("""
                INSERT INTO effects (event_id, note)
                SELECT \(context.envelope.id), CASE WHEN EXISTS (SELECT 1 FROM effects WHERE event_id = 'prepare') THEN 'after' ELSE 'before' END
                """, logger: context.logger)
        }
    }
}

/// Always fails, as a handler with a bug would.
struct FailingHandler: EventHandler {
    struct Boom: Error, CustomStringConvertible { var description: String { "handler exploded" } }
    var reactions: EventReactions { EventReactions().on(ProbeSent.self) { _, _ in throw Boom() } }
}
