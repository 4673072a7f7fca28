import EventContracts
import Hummingbird
import Messaging
import Persistence
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
    /// Builds the service's parts once from its settings: a setting that cannot be used throws
    /// a ``ConfigurationError`` naming it, and the service does not start.
    public var build: @Sendable (ServiceEnvironment) throws -> ServiceParts
    /// The service's public and admin routes as documented; the kit adds its diagnostics and
    /// serves the whole as OpenAPI on `GET /openapi.json`.
    public var contract: APIContract
    /// Whether the kit serves ``contract`` on `/openapi.json` (the gateway serves a merged
    /// document there instead).
    public var servesOwnDocument: Bool
    /// How long the broker may hold this service's empty fetch, when `KAFKA_FETCH_WAIT_MS` is
    /// not set: short for the services in a purchase's path (each hop waits on it), long for
    /// one whose events are rare and not urgent (an idle consumer costs the broker a fetch per
    /// wait).
    public var fetchWait: Duration

    public init(
        name: String, summary: String, defaultPort: Int, publishes: String, consumes: [String],
        migrations: [Migration] = [], variables: [EnvironmentVariable] = [],
        build: @escaping @Sendable (ServiceEnvironment) throws -> ServiceParts = { _ in ServiceParts() },
        contract: APIContract = APIContract(), servesOwnDocument: Bool = true, fetchWait: Duration = .milliseconds(50)
    ) {
        precondition(migrations.allSatisfy { $0.version >= 100 }, "service migrations are numbered from 100")
        self.name = name
        self.summary = summary
        self.defaultPort = defaultPort
        self.publishes = publishes
        self.consumes = consumes
        self.migrations = migrations
        self.variables = variables
        self.build = build
        self.contract = contract
        self.servesOwnDocument = servesOwnDocument
        self.fetchWait = fetchWait
    }

    /// The service's documented routes with the kit's diagnostics and operator routes.
    public var fullContract: APIContract { contract + DiagnosticsContract.contract + OperationsContract.contract }

    /// The OpenAPI document of this service's routes, paths as the service registers them.
    public func document(version: String) -> JSONValue {
        fullContract.document(title: "\(name) service", version: version, description: summary)
    }
}

/// What a service is made of besides the kit's parts, built once by
/// ``ServiceDefinition/build``: the same stores serve its routes and its handlers.
public struct ServiceParts: Sendable {
    /// Middleware of the service's own, in front of all its routes (after the kit's).
    public var middleware: [any RouterMiddleware<ServiceRequestContext>]
    /// The service's HTTP areas, each mounted behind the role check of its access.
    public var controllers: [any Controller]
    /// Who is calling, for the controllers' role checks: by default the identity the gateway
    /// asserts (``ServiceRequestContext/caller(of:)``); the gateway verifies the bearer token.
    public var identify: CallerSource
    /// The service's event handlers.
    public var handlers: [any EventHandler]
    /// Further long-running parts (a second listener for provider webhooks, an HTTP client to
    /// shut down, sweepers), which run after the kit's and stop before them.
    public var services: [any Service]
    /// The service's reconciliation checks, run by the kit's ``Reconciler`` with its own
    /// (the outbox backlog).
    public var reconciliations: [ReconciliationCheck]

    public init(middleware: [any RouterMiddleware<ServiceRequestContext>] = [], controllers: [any Controller] = [],
                identify: @escaping CallerSource = { request, context in context.caller(of: request) },
                handlers: [any EventHandler] = [], services: [any Service] = [], reconciliations: [ReconciliationCheck] = []) {
        self.middleware = middleware
        self.controllers = controllers
        self.identify = identify
        self.handlers = handlers
        self.services = services
        self.reconciliations = reconciliations
    }
}
