import HTTPTypes
import Hummingbird
import ServiceKit

/// Applies the per-address and per-customer limits to the API (`/api/...`); health and
/// metrics stay unlimited. A refused request gets 429 with `Retry-After`.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = ServiceRequestContext

    let perAddress: RateLimiter
    let perCustomer: RateLimiter
    let authenticator: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/api/") else { return try await next(request, context) }
        var context = context
        var decision = perAddress.take("address:\(context.peerAddress ?? "unknown")")
        if decision == .allowed, request.headers[.authorization] != nil,
           let identity = try? await authenticator.identity(of: request, context: context) {
            // Verified once here; routes and the forwarder reuse it.
            context.verifiedCaller = identity
            if let customer = identity.customerId { decision = perCustomer.take("customer:\(customer)") }
        }
        if case .limited(let retryAfter) = decision {
            context.logger.notice("rate limited", metadata: ["client.address": "\(context.peerAddress ?? "unknown")"])
            throw Problem(status: .tooManyRequests, type: "rate-limited", title: "Too many requests.",
                          detail: "Try again in \(retryAfter) s.", headers: [.retryAfter: "\(retryAfter)"])
        }
        return try await next(request, context)
    }
}
