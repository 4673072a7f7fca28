import Foundation
import Logging
import Messaging
import Persistence

/// Everything the kit needs to run one service, read from environment variables with
/// working local defaults (see ``variables(for:)`` and each executable's `--help`).
public struct ServiceConfiguration: Sendable {
    public var serviceName: String
    public var host: String
    public var port: Int
    public var database: DatabaseSettings
    public var kafkaBrokers: String
    /// Prepended to every topic and consumer group name, so that several copies of the suite
    /// (a test run next to a developer's running suite) can share one broker.
    public var topicPrefix: String
    /// The consumer group (`KAFKA_CONSUMER_GROUP`, by default the prefix and the service's name).
    public var consumerGroup: String
    public var topicPartitions: Int32
    public var topicReplicationFactor: Int32
    /// librdkafka's `fetch.wait.max.ms` for this service's consumer: how long the broker may
    /// hold a fetch that finds nothing new.
    public var kafkaFetchWait: Int
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    public var consumerMaxAttempts: Int
    public var consumerRetryBackoff: Duration
    public var outboxPollInterval: Duration
    public var outboxBatchSize: Int
    /// How long a stopping service keeps serving while it says it is not ready (``Drain``).
    public var drainDelay: Duration
    public var outboxRetention: Duration
    /// How often the service's reconciliation checks run (``Reconciler``).
    public var reconcileInterval: Duration
    /// How old an unpublished outbox row may be before reconciliation reports it.
    public var outboxBacklogThreshold: Duration
    /// `TASKS_ON_EVENT_LOOPS=true` (the default): Swift tasks run on the NIO event loops that
    /// do the service's I/O, so a task resumed by a PostgreSQL answer or an HTTP request goes on
    /// on the thread that read it instead of waking a thread of the cooperative pool.
    public var tasksOnEventLoops: Bool
    /// `STOP_WITH_PARENT=true`: the service stops (as on SIGTERM) once the process that started
    /// it is gone, so a test run that crashed leaves no service answering on its ports.
    public var stopsWithParent: Bool
    /// Every variable's effective value, for service-specific settings.
    public var values: [String: String]
    /// `LOCAL_DEVELOPMENT=true`: secrets may take development values. Announced in the log
    /// and on `/health/ready`; never set it where anyone else can reach the service.
    public var localDevelopment: Bool
    /// Required secrets that were not set and got a value generated for this run (local
    /// development only): tokens and links they sign do not outlive the process.
    public var generatedSecrets: [String]

    /// Reads the kit's variables and the service's own from `environment`.
    /// A whole-number variable within `range`, or the configuration error that names it.
    static func integer(_ name: String, _ text: String, in range: ClosedRange<Int>) throws -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(variable: name, reason: "expected a whole number in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return value
    }

    public init(definition: ServiceDefinition, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let development = environment["LOCAL_DEVELOPMENT"] ?? "false"
        guard let localDevelopment = Bool(development) else {
            throw ConfigurationError(variable: "LOCAL_DEVELOPMENT", reason: "expected true or false, got '\(development)'")
        }
        var values: [String: String] = [:]
        var missing: [EnvironmentVariable] = []
        var generated: [String] = []
        for variable in Self.variables(for: definition) {
            var value = try Self.given(variable, in: environment)
            if value == nil, localDevelopment { value = variable.developmentDefault }
            if variable.isRequired, (value ?? "").isEmpty {
                if localDevelopment, let made = variable.recipe?.generate() {
                    value = made
                    generated.append(variable.name)
                } else {
                    missing.append(variable)
                }
            }
            values[variable.name] = value ?? variable.defaultValue
        }
        guard missing.isEmpty else { throw ConfigurationError(missing: missing, service: definition.name) }
        self.localDevelopment = localDevelopment
        self.generatedSecrets = generated
        func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int {
            try Self.integer(name, values[name] ?? "", in: range)
        }
        self.serviceName = definition.name
        self.host = values["SERVICE_HOST"]!
        self.port = try integer("SERVICE_PORT", in: 0...65535)
        self.database = try DatabaseSettings(url: values["DATABASE_URL"]!, schema: values["DATABASE_SCHEMA"]!,
                                             maxConnections: integer("DATABASE_MAX_CONNECTIONS", in: 1...500),
                                             tls: values["DATABASE_TLS"]!)
        self.kafkaBrokers = values["KAFKA_BROKERS"]!
        self.topicPrefix = values["KAFKA_TOPIC_PREFIX"]!
        self.consumerGroup = values["KAFKA_CONSUMER_GROUP"].flatMap { $0.isEmpty ? nil : $0 } ?? topicPrefix + definition.name
        self.topicPartitions = Int32(try integer("KAFKA_TOPIC_PARTITIONS", in: 1...1000))
        self.topicReplicationFactor = Int32(try integer("KAFKA_REPLICATION_FACTOR", in: 1...10))
        self.kafkaFetchWait = try integer("KAFKA_FETCH_WAIT_MS", in: 1...10_000)
        guard let level = Logger.Level(rawValue: values["LOG_LEVEL"]!.lowercased()) else {
            throw ConfigurationError(variable: "LOG_LEVEL", reason: "expected one of trace, debug, info, notice, warning, error, critical")
        }
        self.logLevel = level
        guard let format = LogFormat(rawValue: values["LOG_FORMAT"]!.lowercased()) else {
            throw ConfigurationError(variable: "LOG_FORMAT", reason: "expected json or text")
        }
        self.logFormat = format
        self.consumerMaxAttempts = try integer("CONSUMER_MAX_ATTEMPTS", in: 1...100)
        self.consumerRetryBackoff = .milliseconds(try integer("CONSUMER_RETRY_BACKOFF_MS", in: 0...600_000))
        self.outboxPollInterval = .milliseconds(try integer("OUTBOX_POLL_INTERVAL_MS", in: 10...600_000))
        self.outboxBatchSize = try integer("OUTBOX_BATCH_SIZE", in: 1...10_000)
        self.drainDelay = .milliseconds(try integer("DRAIN_MS", in: 0...600_000))
        self.outboxRetention = .seconds(try integer("OUTBOX_RETENTION_HOURS", in: 1...87_600) * 3600)
        self.reconcileInterval = .seconds(try integer("RECONCILE_INTERVAL_S", in: 1...86_400))
        self.outboxBacklogThreshold = .seconds(try integer("OUTBOX_BACKLOG_ALERT_S", in: 1...86_400))
        guard let tasksOnEventLoops = Bool(values["TASKS_ON_EVENT_LOOPS"]!) else {
            throw ConfigurationError(variable: "TASKS_ON_EVENT_LOOPS", reason: "expected true or false, got '\(values["TASKS_ON_EVENT_LOOPS"]!)'")
        }
        self.tasksOnEventLoops = tasksOnEventLoops
        guard let stopsWithParent = Bool(values["STOP_WITH_PARENT"]!) else {
            throw ConfigurationError(variable: "STOP_WITH_PARENT", reason: "expected true or false, got '\(values["STOP_WITH_PARENT"]!)'")
        }
        self.stopsWithParent = stopsWithParent
        self.values = values
    }

    /// What the environment says for `variable`: its own value, or for a secret the contents
    /// of the file `<NAME>_FILE` names (without the trailing line break); nil when neither is set.
    static func given(_ variable: EnvironmentVariable, in environment: [String: String]) throws -> String? {
        let direct = environment[variable.name]
        guard variable.isSecret, let path = environment[variable.fileVariable], !path.isEmpty else { return direct }
        guard direct == nil else {
            throw ConfigurationError(variable: variable.name, reason: "is set both directly and by \(variable.fileVariable); set one")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(variable: variable.fileVariable, reason: "cannot read '\(path)'")
        }
        return text.trimmingCharacters(in: .newlines)
    }

    /// The full topic name for a logical topic (``EventContracts/Topic``).
    public func topic(_ logical: String) -> String { topicPrefix + logical }

    /// The kit's variables followed by the service's own.
    public static func variables(for definition: ServiceDefinition) -> [EnvironmentVariable] {
        let name = definition.name
        return [
            EnvironmentVariable("SERVICE_HOST", default: "127.0.0.1", help: "Address the internal HTTP API binds to."),
            EnvironmentVariable("SERVICE_PORT", default: "\(definition.defaultPort)", help: "Port of the internal HTTP API (0 picks a free port)."),
            EnvironmentVariable("LOCAL_DEVELOPMENT", default: "false",
                                help: "true on a developer machine only: secrets may take development values (announced in the log and /health/ready)."),
            .secret("DATABASE_URL", help: "PostgreSQL URL with the service's own role and password; the role must own DATABASE_SCHEMA.",
                    required: true,
                    recipe: .issuedElsewhere("give postgres://\(name):<password>@<host>:5432/<database> with the password your database administrator set for the role \(name)"),
                    developmentDefault: "postgres://\(name):\(name)-local@127.0.0.1:55432/commerce"),
            EnvironmentVariable("DATABASE_SCHEMA", default: name, help: "The schema this service owns and migrates."),
            EnvironmentVariable("DATABASE_MAX_CONNECTIONS", default: "20", help: "Connection pool size."),
            EnvironmentVariable("DATABASE_TLS", default: "disable", help: "disable, prefer or require."),
            EnvironmentVariable("KAFKA_BROKERS", default: "127.0.0.1:9092", help: "Kafka bootstrap servers (host:port,...)."),
            EnvironmentVariable("KAFKA_TOPIC_PREFIX", default: "", help: "Prefix for every topic and consumer group name."),
            EnvironmentVariable("KAFKA_CONSUMER_GROUP", default: "",
                                help: "The consumer group (empty: the prefix and the service's name); a new one reads every topic from its start."),
            EnvironmentVariable("KAFKA_TOPIC_PARTITIONS", default: "3", help: "Partitions of topics this service creates."),
            EnvironmentVariable("KAFKA_FETCH_WAIT_MS", default: "\(definition.fetchWait.components.seconds * 1000 + definition.fetchWait.components.attoseconds / 1_000_000_000_000_000)",
                                help: "How long the broker may hold an empty fetch (librdkafka fetch.wait.max.ms)."),
            EnvironmentVariable("KAFKA_REPLICATION_FACTOR", default: "1", help: "Replication factor of topics this service creates."),
            EnvironmentVariable("LOG_LEVEL", default: "info", help: "trace, debug, info, notice, warning, error or critical."),
            EnvironmentVariable("LOG_FORMAT", default: "json", help: "json (one object per line) or text."),
            EnvironmentVariable("CONSUMER_MAX_ATTEMPTS", default: "5", help: "Handler attempts before a message goes to the dead-letter topic."),
            EnvironmentVariable("CONSUMER_RETRY_BACKOFF_MS", default: "200", help: "First retry delay; doubles per attempt."),
            EnvironmentVariable("OUTBOX_POLL_INTERVAL_MS", default: "1000", help: "Outbox relay polling fallback when no notification arrives."),
            EnvironmentVariable("OUTBOX_BATCH_SIZE", default: "500", help: "Events the relay publishes per transaction."),
            EnvironmentVariable("DRAIN_MS", default: "3000",
                                help: "After SIGTERM: how long the service still serves while /health/ready says not ready, so load balancers stop sending first."),
            EnvironmentVariable("OUTBOX_RETENTION_HOURS", default: "168", help: "How long published outbox rows are kept (audit window)."),
            EnvironmentVariable("RECONCILE_INTERVAL_S", default: "300", help: "How often reconciliation checks run (also on demand: POST /admin/reconciliation/run)."),
            EnvironmentVariable("OUTBOX_BACKLOG_ALERT_S", default: "60", help: "Unpublished outbox rows older than this are reported by reconciliation."),
            EnvironmentVariable("TASKS_ON_EVENT_LOOPS", default: "true",
                                help: "true: Swift tasks run on the event loops that do the I/O (no thread switch per answer); false: on Swift's own pool."),
            EnvironmentVariable("STOP_WITH_PARENT", default: "false",
                                help: "true: stop (as on SIGTERM) once the process that started this one is gone; for test harnesses."),
        ] + definition.variables
    }
}

/// How log lines are written.
public enum LogFormat: String, Sendable {
    case json
    case text
}
