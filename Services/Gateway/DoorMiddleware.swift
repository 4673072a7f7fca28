import HTTPTypes
import Hummingbird
import ServiceKit

/// What every request meets first at the gateway:
/// - client-sent `X-Commerce-*` identity headers are removed, so that only a verified token
///   can make a caller anyone but a guest, on every route of this process;
/// - a bearer token is verified once and kept in the context for routes and the forwarder;
/// - the API (`/api/...`) is rate limited per client address, per signed-in customer, the
///   checkout pages' public widget per address on its own, and order placements
///   (`POST /api/checkout/checkouts`, and a checkout started on a page) per address per hour;
///   health and metrics stay unlimited. A refused request gets 429 with `Retry-After`. The client's
///   address is the connection's, or behind a trusted load balancer the one it forwards
///   (``ClientAddress``);
/// - a blocked customer cannot place an order even with an access token issued before the
///   block (tokens live minutes, but a placement is checked against the account now);
/// - the request's store is decided (``StoreDoor``) and kept in the context, for the
///   gateway's own routes and for the forwarder to assert.
struct DoorMiddleware: RouterMiddleware {
    typealias Context = ServiceRequestContext

    /// The route that places an order, limited separately (the plans ask for 10 per address per hour).
    static let placementPath = "/api/checkout/checkouts"

    let perAddress: RateLimiter
    let perCustomer: RateLimiter
    let placements: RateLimiter
    /// The checkout pages' public widget API, per client address.
    let widget: RateLimiter
    let authenticator: Authenticator
    let customers: CustomerStore
    /// Who the client is behind the load balancers we trust.
    let clients: ClientAddress
    let stores: StoreDoor

    /// `path` as the router matches it: empty segments (`//`, a trailing `/`) dropped.
    static func canonical(_ path: String) -> String {
        "/" + path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        if request.headers.contains(where: { $0.name.canonicalName.hasPrefix(Forwarder.identityHeaderPrefix) }) {
            var head = request.head
            head.headerFields = head.headerFields.filter { !$0.name.canonicalName.hasPrefix(Forwarder.identityHeaderPrefix) }
            request = Request(head: head, body: request.body)
        }
        var context = context
        if request.headers[.authorization] != nil, let identity = try? await authenticator.identity(of: request, context: context) {
            context.verifiedCaller = identity
        }
        // Decided on the path as the router reads it: `//api/…/` is `/api/…`.
        let path = Self.canonical(request.uri.path)
        guard path.hasPrefix("/api/") else { return try await next(request, context) }
        let address = clients.of(request.headers, peer: context.peerAddress)
        context.clientAddress = address
        var decision = WidgetPaths.contains(path) ? widget.take("widget:\(address)") : perAddress.take("address:\(address)")
        if decision == .allowed, let customer = context.verifiedCaller?.customerId {
            decision = perCustomer.take("customer:\(customer)")
        }
        let placesOrder = request.method == .post && path == Self.placementPath
            || WidgetPaths.placesOrder(method: request.method.rawValue, path: path)
        if decision == .allowed, placesOrder {
            decision = placements.take("placements:\(address)")
        }
        if case .limited(let retryAfter) = decision {
            context.logger.notice("rate limited", metadata: ["client.address": "\(address)"])
            throw Problem(status: .tooManyRequests, type: "rate-limited", title: "Too many requests.",
                          detail: "Try again in \(retryAfter) s.", headers: [.retryAfter: "\(retryAfter)"])
        }
        if placesOrder, let customer = context.verifiedCaller?.customerId,
           try await customers.find(id: customer, logger: context.logger)?.blocked ?? true {
            throw Problem.accountBlocked
        }
        if let named = try await stores.store(of: request, path: path, caller: context.verifiedCaller, context: context) {
            context.storeId = named.store
            context.verifiedCaller = named.caller
        }
        return try await next(request, context)
    }
}
