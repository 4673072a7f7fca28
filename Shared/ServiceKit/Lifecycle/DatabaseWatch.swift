import Hummingbird
import Logging
import Persistence
import ServiceLifecycle
import Synchronization

/// What the service knows of its database's reachability: a `SELECT 1` every 5 s (every
/// second while it is down or an outage error was seen), and each readiness probe. While
/// PostgreSQL is known to be down, requests get a 503 with `Retry-After` at once
/// (``Middleware``) instead of queueing for a connection the pool cannot make; when it answers
/// again, they are served again.
public final class DatabaseWatch: Service, Sendable {
    let database: Database
    let logger: Logger
    private let down = Atomic<Bool>(false)
    private let suspect = Atomic<Bool>(false)

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Whether the last probe failed.
    public var isDown: Bool { down.load(ordering: .acquiring) }

    /// Probes now and remembers the answer.
    public func probe() async -> Bool {
        let reachable = await database.isReachable(logger: logger)
        let wasDown = down.exchange(!reachable, ordering: .acquiringAndReleasing)
        if reachable { suspect.store(false, ordering: .releasing) }
        if wasDown != !reachable {
            if reachable { logger.notice("database reachable again") } else { logger.error("database unreachable") }
        }
        return reachable
    }

    /// An outage error was seen: probe at the next second.
    public func suspectOutage() { suspect.store(true, ordering: .releasing) }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var sinceProbe = Duration.zero
            while !Task.isCancelled {
                if self.isDown || self.suspect.load(ordering: .acquiring) || sinceProbe >= .seconds(5) {
                    _ = await self.probe()
                    sinceProbe = .zero
                }
                try? await Task.sleep(for: .seconds(1))
                sinceProbe += .seconds(1)
            }
        }
    }

    /// Answers 503 with `Retry-After` while the database is known to be down (health and
    /// metrics still answer), and has the watch look again when a request met an outage.
    public struct Middleware: RouterMiddleware {
        public typealias Context = ServiceRequestContext
        let watch: DatabaseWatch

        public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            let path = request.uri.path
            let exempt = path.hasPrefix("/health/") || path == "/metrics"
            if watch.isDown && !exempt {
                throw Problem.databaseUnavailable
            }
            do {
                return try await next(request, context)
            } catch where DatabaseOutage.matches(error) {
                watch.suspectOutage()
                throw error
            }
        }
    }
}
