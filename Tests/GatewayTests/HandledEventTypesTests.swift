@testable import Gateway
import EventContracts
import Foundation
import Kafka
import Logging
import Messaging
import Persistence
@testable import ServiceKit
import Testing

/// A service's handlers react only to event types some producer publishes: the types in
/// `EventCatalogue` (each travels on the topic of the one service that publishes it, and
/// `contracts/events` holds its schema). A reaction to any other type string would wait for an
/// event that never comes. Its twin in every service's test target checks that service.
@Suite("Gateway: its handlers react only to event types a producer publishes")
struct HandledEventTypesTests {
    @Test("every event type the gateway handlers react to is in EventCatalogue, on a topic gateway consumes or publishes")
    func handledTypesArePublished() async throws {
        let (handlers, types) = try await HandledEventTypes.of(.gateway)
        let published = Set(EventCatalogue.allTypes)
        for type in types.sorted() {
            #expect(published.contains(type),
                    "gateway reacts to \(type), which no producer publishes: it is not in EventCatalogue (add the type to the catalogue with the service that publishes it, or drop the reaction)")
        }
        // Throws, naming the topic or type, when what gateway consumes and what it reacts to disagree.
        try Subscriptions(definition: .gateway, handlers: handlers).check()
    }
}

/// Builds a service's parts the way it starts, from development settings, without starting
/// anything: no database or broker is reached.
enum HandledEventTypes {
    /// The handlers `definition` builds with `settings` (over development defaults), and the
    /// event types they react to.
    static func of(_ definition: ServiceDefinition, settings: [String: String] = [:]) async throws -> (handlers: [any EventHandler], types: Set<String>) {
        let configuration = try ServiceConfiguration(definition: definition, environment: settings.merging(["LOCAL_DEVELOPMENT": "true"]) { $1 })
        var logger = Logger(label: "handled-event-types")
        logger.logLevel = .critical
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: configuration.kafkaBrokers), logger: logger)
        let environment = ServiceEnvironment(
            configuration: configuration,
            database: Database(settings: configuration.database, applicationName: definition.name, logger: logger),
            outbox: Outbox(topic: configuration.topic(definition.publishes), serviceName: definition.name, schema: configuration.database.schema),
            producer: producer, logger: logger, startGate: StartupGate())
        let parts: ServiceParts
        do {
            parts = try definition.build(environment)
        } catch {
            await producer.shutdown(flushTimeout: .zero)
            throw error
        }
        await producer.shutdown(flushTimeout: .zero)
        // The forwarder's HTTP client must be shut down before it is dropped.
        for case let forwarder as Forwarder in parts.services { try await forwarder.client.shutdown() }
        return (parts.handlers, Set(parts.handlers.flatMap(\.reactions.eventTypes)))
    }
}
