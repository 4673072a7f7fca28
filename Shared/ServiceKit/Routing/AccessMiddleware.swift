import Hummingbird

/// How a process learns who is calling. Services believe the identity the gateway asserts in
/// its headers (``ServiceRequestContext/caller(of:)``); the gateway verifies the bearer token.
public typealias CallerSource = @Sendable (Request, ServiceRequestContext) async throws -> CallerIdentity

/// The role check in front of one access group's routes: a guest gets 401 and another role
/// 403 before the handler runs; the identity let in is kept in the context
/// (``ServiceRequestContext/verifiedCaller``) for the handler.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = ServiceRequestContext

    let access: Access
    let identify: CallerSource

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.verifiedCaller = try await identify(request, context).requiring(access)
        return try await next(request, context)
    }
}

extension Router where Context == ServiceRequestContext {
    /// Mounts `controller`'s routes behind the role check of its access and answers them as
    /// `METHOD /path access` lines (what `--routes` prints).
    func mount(_ controller: any Controller, identify: @escaping CallerSource) -> [String] {
        let access = type(of: controller).access
        let before = Set(routes.map { "\($0.method.rawValue) \($0.path)" })
        if access.roles != nil {
            group().add(middleware: AccessMiddleware(access: access, identify: identify)).addRoutes(controller.endpoints)
        } else {
            addRoutes(controller.endpoints)
        }
        return routes.map { "\($0.method.rawValue) \($0.path)" }.filter { !before.contains($0) }.map { "\($0) \(access.rawValue)" }
    }
}
