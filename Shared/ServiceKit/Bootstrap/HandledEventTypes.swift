import Kafka
import Logging
import Messaging
import Persistence

extension ServiceDefinition {
    /// The event types this service's handlers react to, its parts built as it starts from
    /// `settings` over development defaults, without reaching a database or broker; throws,
    /// as a start would, when what it consumes and what it reacts to disagree
    /// (``Subscriptions``). `cleanUp` releases what building made (an HTTP client).
    /// Each service's tests check these against `EventCatalogue`.
    public func handledEventTypes(settings: [String: String] = [:],
                                  cleanUp: (ServiceParts) async throws -> Void = { _ in }) async throws -> Set<String> {
        let configuration = try ServiceConfiguration(definition: self, environment: settings.merging(["LOCAL_DEVELOPMENT": "true"]) { $1 })
        var logger = Logger(label: "handled-event-types")
        logger.logLevel = .critical
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: configuration.kafkaBrokers), logger: logger)
        let environment = ServiceEnvironment(
            configuration: configuration,
            database: Database(settings: configuration.database, applicationName: name, logger: logger),
            outbox: Outbox(topic: configuration.topic(publishes), serviceName: name, schema: configuration.database.schema),
            producer: producer, logger: logger, startGate: StartupGate())
        do {
            let parts = try build(environment)
            try await cleanUp(parts)
            await producer.shutdown(flushTimeout: .zero)
            try Subscriptions(definition: self, handlers: parts.handlers).check()
            return Set(parts.handlers.flatMap(\.reactions.eventTypes))
        } catch {
            await producer.shutdown(flushTimeout: .zero)
            throw error
        }
    }
}
