@testable import Orders
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
@Suite("Orders: its handlers react only to event types a producer publishes")
struct HandledEventTypesTests {
    @Test("every event type the orders handlers react to is in EventCatalogue, on a topic orders consumes or publishes")
    func handledTypesArePublished() async throws {
        let (handlers, types) = try await HandledEventTypes.of(.orders)
        #expect(!types.isEmpty, "orders reacts to events")
        let published = Set(EventCatalogue.allTypes)
        for type in types.sorted() {
            #expect(published.contains(type),
                    "orders reacts to \(type), which no producer publishes: it is not in EventCatalogue (add the type to the catalogue with the service that publishes it, or drop the reaction)")
        }
        // Throws, naming the topic or type, when what orders consumes and what it reacts to disagree.
        try Subscriptions(definition: .orders, handlers: handlers).check()
    }

    /// An event type no service publishes.
    struct Unpublished: EventPayload {
        static let eventType = "shop.nobody.publishes.v1"
    }

    struct ReactsToUnpublished: EventHandler {
        var reactions: EventReactions { EventReactions().on(Unpublished.self) { _, _ in } }
    }

    @Test("the check sees a reaction to a type no producer publishes, as built from a service's definition")
    func unpublishedTypeCaught() async throws {
        let definition = ServiceDefinition(name: "orders", summary: "", defaultPort: 0, publishes: Topic.orders, consumes: [Topic.checkout],
                                           build: { _ in ServiceParts(handlers: [ReactsToUnpublished(), CheckoutPlacedNoted()]) })
        let (handlers, types) = try await HandledEventTypes.of(definition)
        #expect(types == [Unpublished.eventType, CheckoutPlaced.eventType])
        #expect(!EventCatalogue.allTypes.contains(Unpublished.eventType))
        #expect(throws: Error.self, "and the service would not start") { try Subscriptions(definition: definition, handlers: handlers).check() }
    }

    struct CheckoutPlacedNoted: EventHandler {
        var reactions: EventReactions { EventReactions().on(CheckoutPlaced.self) { _, _ in } }
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
        return (parts.handlers, Set(parts.handlers.flatMap(\.reactions.eventTypes)))
    }
}
