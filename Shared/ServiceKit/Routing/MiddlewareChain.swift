import Hummingbird

/// A service's own middleware (``ServiceParts/middleware``) as one, run in the order given.
struct MiddlewareChain: RouterMiddleware {
    typealias Context = ServiceRequestContext

    let middleware: [any RouterMiddleware<ServiceRequestContext>]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await run(from: 0, request, context, next)
    }

    private func run(from index: Int, _ request: Request, _ context: Context,
                     _ next: (Request, Context) async throws -> Response) async throws -> Response {
        guard index < middleware.count else { return try await next(request, context) }
        return try await middleware[index].handle(request, context: context) { request, context in
            try await run(from: index + 1, request, context, next)
        }
    }
}
