import Hummingbird

/// The HTTP side of a service without its processes: the kit's request middleware
/// (correlation id, problem answers, metrics, request log), then the service's own, then its
/// controllers, each behind the role check of its access. ``ServiceApplication`` builds every
/// service's router with it (adding health, metrics and the document); route tests drive it
/// in process with HummingbirdTesting.
public enum ServiceRouter {
    /// A router with the kit's request middleware and nothing else.
    public static func make() -> Router<ServiceRequestContext> {
        let router = Router(context: ServiceRequestContext.self)
        router.add(middleware: CorrelationMiddleware())
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: LogRequestsMiddleware(.debug))
        return router
    }

    /// A router with the kit's middleware, `middleware` and `controllers`; answers the routes
    /// as `METHOD /path access` lines.
    public static func make(middleware: [any RouterMiddleware<ServiceRequestContext>] = [], controllers: [any Controller],
                            identify: @escaping CallerSource = { request, context in context.caller(of: request) })
        -> (router: Router<ServiceRequestContext>, routes: [String]) {
        let router = make()
        return (router, router.mount(middleware: middleware, controllers: controllers, identify: identify))
    }
}

extension Router where Context == ServiceRequestContext {
    /// Adds `middleware` (as one, in order), then the request's store (``StoreScopeMiddleware``),
    /// and mounts `controllers`; answers their routes as `METHOD /path access` lines.
    func mount(middleware: [any RouterMiddleware<ServiceRequestContext>], controllers: [any Controller],
               identify: @escaping CallerSource) -> [String] {
        if !middleware.isEmpty { add(middleware: MiddlewareChain(middleware: middleware)) }
        add(middleware: StoreScopeMiddleware())
        return controllers.flatMap { mount($0, identify: identify) }
    }
}
