import EventContracts
import Hummingbird
import Kafka
import Logging
import Messaging
import Persistence
import ServiceLifecycle

/// Builds a service's Hummingbird application from its definition: the same builder runs
/// the executable and the tests.
///
/// The application's services start in dependency order (database pool, producer, outbox
/// relay, consumer, the definition's own, then the HTTP server) and stop in reverse: the
/// server stops taking requests, the consumer finishes in-flight messages and commits, the
/// relay finishes its round, the producer flushes, the pool closes.
public enum ServiceApplication {
    /// The parts of a built service, for tests that drive them directly.
    public struct Parts: Sendable {
        public let environment: ServiceEnvironment
        /// Runs after the application in its service group (``Drain``).
        public let drain: Drain
        public let relay: OutboxRelay
        public let consumer: EventConsumer
        /// Every route the router has, as `METHOD /path access` (the kit's own: `internal`).
        public let routes: [String]
    }

    /// First path segments the kit serves for operators and the gateway only; the gateway
    /// never forwards to them.
    public static let internalPaths: Set<String> = ["health", "metrics", "openapi.json"]

    public static func build(
        _ definition: ServiceDefinition, configuration: ServiceConfiguration
    ) throws -> (application: some ApplicationProtocol, parts: Parts) {
        let registry = MetricsRegistry.bootstrap()
        let logger = {
            var logger = Logger(label: definition.name)
            logger.logLevel = configuration.logLevel
            logger[metadataKey: "service"] = "\(definition.name)"
            return logger
        }()

        let database = Database(settings: configuration.database, applicationName: definition.name, logger: logger)
        let kafka = KafkaConfiguration(
            bootstrapServers: configuration.kafkaBrokers, properties: ["client.id": definition.name, "fetch.wait.max.ms": "\(configuration.kafkaFetchWait)"])
        let kafkaLogger = {
            var kafkaLogger = logger
            kafkaLogger[metadataKey: "component"] = "kafka"
            return kafkaLogger
        }()
        let producer = try KafkaProducer(configuration: kafka, logger: kafkaLogger)
        let outbox = Outbox(topic: configuration.topic(definition.publishes), serviceName: definition.name,
                            schema: configuration.database.schema, platformTopic: configuration.topic(Topic.platform))
        let gate = StartupGate()
        let environment = ServiceEnvironment(
            configuration: configuration, database: database, outbox: outbox, producer: producer, logger: logger, startGate: gate)

        let relay = OutboxRelay(
            database: database, producer: producer, outbox: outbox, logger: logger,
            pollInterval: configuration.outboxPollInterval, batchSize: configuration.outboxBatchSize,
            retention: configuration.outboxRetention, startGate: gate)
        let deadLetterTopic = configuration.topic(Topic.deadLetter(forGroup: definition.name))
        // The service's parts, built once from its settings; a bad setting stops the start here.
        let own = try definition.build(environment)
        try Subscriptions(definition: definition, handlers: own.handlers).check()
        // A service's own events reach its handlers as they are recorded (Outbox.reactLocally),
        // so it never consumes its own topic.
        let consumedTopics = definition.consumes.filter { $0 != definition.publishes }.map(configuration.topic)
        outbox.reactLocally(with: own.handlers)
        let consumer = EventConsumer(
            settings: .init(groupID: configuration.consumerGroup, topics: consumedTopics, deadLetterTopic: deadLetterTopic,
                            maxAttempts: configuration.consumerMaxAttempts, retryBackoff: configuration.consumerRetryBackoff),
            kafka: kafka, database: database, producer: producer, outbox: outbox,
            handlers: [ProbeHandler()] + own.handlers, consumerName: definition.name,
            logger: logger, startGate: gate)

        let reconciler = Reconciler(
            checks: [.outboxBacklog(database: database, threshold: configuration.outboxBacklogThreshold)] + own.reconciliations,
            interval: configuration.reconcileInterval, environment: environment)
        let drain = Drain(delay: configuration.drainDelay)
        let router = ServiceRouter.make()
        let databaseWatch = DatabaseWatch(database: database, logger: logger)
        router.add(middleware: Drain.Middleware(drain: drain))
        router.add(middleware: DatabaseWatch.Middleware(watch: databaseWatch))
        HealthRoutes(checks: [
            ("accepting", .essential, { @Sendable in !drain.isDraining }),
            ("migrations", .essential, { @Sendable in gate.isOpen }),
            ("database", .dependency, { @Sendable in await databaseWatch.probe() }),
            // Without the broker a service still takes writes: their events wait in the outbox.
            ("broker", .degrading, { @Sendable in await producer.brokerReachable() }),
            ("consumer", .essential, { @Sendable in consumedTopics.isEmpty || consumer.isRunning }),
        ], localDevelopment: configuration.localDevelopment).register(on: router)
        MetricsRegistry.register(on: router, registry: registry)
        if definition.servesOwnDocument {
            let document = definition.document(version: ServiceMain.version).serialized
            router.get("/openapi.json") { _, _ in
                Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: document)))
            }
        }
        var routes = router.routes.map { "\($0.method.rawValue) \($0.path) internal" }
        routes += router.mount(middleware: own.middleware, controllers: DiagnosticsContract.controllers(environment)
                                   + OperationsContract.controllers(environment, consumer: consumer, reconciler: reconciler) + own.controllers,
                               identify: own.identify)
        routes.sort()

        var application = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: definition.name),
            onServerRunning: { channel in
                logger.info("ready", metadata: ["http.address": "\(channel.localAddress?.description ?? "?")"])
            },
            logger: logger)
        application.addServices(database.client.pool, databaseWatch, producer, relay)
        // A service that reacts to no other service's events runs no consumer: an idle one
        // still costs the broker a fetch every KAFKA_FETCH_WAIT_MS.
        if !consumedTopics.isEmpty { application.addServices(consumer) }
        application.addServices(own.services)
        application.addServices(reconciler)
        let migrations = KitMigrations.all + definition.migrations
        let topics = Set([outbox.topic, outbox.platformTopic, deadLetterTopic] + consumedTopics).sorted().map {
            KafkaAdmin.TopicSpec(name: $0, partitions: configuration.topicPartitions, replicationFactor: configuration.topicReplicationFactor)
        }
        application.beforeServerStarts {
            try await MigrationRunner(database: database, migrations: migrations).migrate(logger: logger)
            try await KafkaAdmin(configuration: kafka, logger: kafkaLogger).ensureTopics(topics)
            try await gate.runStartUpWork()
            gate.open()
        }
        return (application, Parts(environment: environment, drain: drain, relay: relay, consumer: consumer, routes: routes))
    }
}
