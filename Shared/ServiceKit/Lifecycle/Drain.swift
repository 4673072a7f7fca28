import HTTPTypes
import Hummingbird
import ServiceLifecycle
import Synchronization

/// A service on its way out, for `delay` after `SIGTERM` and before its HTTP server stops
/// taking connections: requests are still served, but `/health/ready` answers 503
/// (`accepting: failing`) and every answer carries `Connection: close` and
/// `X-Commerce-Draining: true`. Load balancers that watch readiness stop sending new requests
/// here; callers that pool connections (the gateway) drop theirs instead of sending a request
/// on one the server is about to close, and know that a connection this service resets from
/// now on was reset unread (a stopping server finishes every request it has read), so any
/// request may be sent again.
/// Then the server drains its in-flight requests, the consumer commits, and the process ends.
///
/// Run it after the application in one service group: a group stops its services in reverse
/// order, each once the one after it has finished, so this one's delay comes first.
public final class Drain: Service, Sendable {
    let delay: Duration
    private let draining = Atomic<Bool>(false)

    public init(delay: Duration) {
        self.delay = delay
    }

    /// Said on every answer of a draining service (internal: the gateway keeps it from clients).
    public static let header = HTTPField.Name("X-Commerce-Draining")!

    /// Whether the service is on its way out.
    public var isDraining: Bool { draining.load(ordering: .acquiring) }

    public func run() async throws {
        // Returns when the group begins to stop; throws when it is cancelled instead.
        guard (try? await gracefulShutdown()) != nil else { return }
        draining.store(true, ordering: .releasing)
        try? await Task.sleep(for: delay)
    }

    /// Marks answers given while draining so that their connections are not used again.
    public struct Middleware: RouterMiddleware {
        public typealias Context = ServiceRequestContext
        let drain: Drain

        public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            var response = try await next(request, context)
            if drain.isDraining {
                response.headers[.connection] = "close"
                response.headers[Drain.header] = "true"
            }
            return response
        }
    }
}
