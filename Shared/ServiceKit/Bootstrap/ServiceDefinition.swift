import EventContracts
import Hummingbird
import ServiceLifecycle

/// What makes one service different from the others; the kit supplies everything else
/// (configuration, logging, database pool, migrations, outbox relay, consumer with inbox and
/// dead letters, health, metrics, probes, graceful shutdown).
public struct ServiceDefinition: Sendable {
    /// Lower-case name: the executable, the schema, the role, the consumer group.
    public var name: String
    /// One line for `--help`.
    public var summary: String
    /// Port of the internal HTTP API when `SERVICE_PORT` is not set.
    public var defaultPort: Int
    /// The logical topic this service publishes to (``EventContracts/Topic``).
    public var publishes: String
    /// Logical topics this service consumes. Never its own: its own events reach its handlers
    /// in the transaction that records them (``Outbox/reactLocally(with:)``).
    public var consumes: [String]
    /// The service's own migrations (versions from 100).
    public var migrations: [Migration]
    /// The service's own environment variables.
    public var variables: [EnvironmentVariable]
    /// Registers the service's routes and returns its further long-running parts (a second
    /// listener for provider webhooks, an HTTP client to shut down, sweepers), which run
    /// after the kit's and stop before them.
    public var setUp: @Sendable (Router<ServiceRequestContext>, ServiceEnvironment) throws -> [any Service]
    /// The service's event handlers.
    public var handlers: @Sendable (ServiceEnvironment) -> [any EventHandler]
    /// The service's public and admin routes as documented; the kit adds its diagnostics and
    /// serves the whole as OpenAPI on `GET /openapi.json`.
    public var contract: APIContract
    /// Whether the kit serves ``contract`` on `/openapi.json` (the gateway serves a merged
    /// document there instead).
    public var servesOwnDocument: Bool

    public init(
        name: String, summary: String, defaultPort: Int, publishes: String, consumes: [String],
        migrations: [Migration] = [], variables: [EnvironmentVariable] = [],
        setUp: @escaping @Sendable (Router<ServiceRequestContext>, ServiceEnvironment) throws -> [any Service] = { _, _ in [] },
        handlers: @escaping @Sendable (ServiceEnvironment) -> [any EventHandler] = { _ in [] },
        contract: APIContract = APIContract(), servesOwnDocument: Bool = true
    ) {
        precondition(migrations.allSatisfy { $0.version >= 100 }, "service migrations are numbered from 100")
        self.name = name
        self.summary = summary
        self.defaultPort = defaultPort
        self.publishes = publishes
        self.consumes = consumes
        self.migrations = migrations
        self.variables = variables
        self.setUp = setUp
        self.handlers = handlers
        self.contract = contract
        self.servesOwnDocument = servesOwnDocument
    }

    /// The service's documented routes with the kit's diagnostics.
    public var fullContract: APIContract { contract + DiagnosticsContract.contract }

    /// The OpenAPI document of this service's routes, paths as the service registers them.
    public func document(version: String) -> JSONValue {
        fullContract.document(title: "\(name) service", version: version, description: summary)
    }
}
