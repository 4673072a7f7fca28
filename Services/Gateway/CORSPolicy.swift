import HTTPTypes
import Hummingbird
import ServiceKit

/// Lets the configured storefront origins call the API from a browser, and any origin call
/// the checkout pages' public widget API (``WidgetPaths``: no credentials, made to be called
/// from merchants' own sites). Only those get `Access-Control-Allow-Origin` (echoed, with `Vary: Origin`), error answers included;
/// a preflight from any other origin is refused with 403. Every answer says `Vary: Origin`,
/// so a shared cache (a CDN keeping the public catalog) never hands an answer made for one
/// origin, or for none, to another.
struct CORSPolicy: RouterMiddleware {
    typealias Context = ServiceRequestContext

    let allowedOrigins: Set<String>
    static let allowedMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
    static let allowedHeaders = "Authorization, Content-Type, Idempotency-Key, Prefer, X-Cart-Token, X-Checkout-Token, X-Request-Id, X-Store-Id, X-Store-Key"
    static let exposedHeaders = "X-Request-Id, Retry-After, Location, Preference-Applied, Idempotent-Replayed"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await answer(request, context: context, next: next)
        if !response.headers[values: .vary].contains(where: { $0.lowercased().contains("origin") }) {
            response.headers.append(HTTPField(name: .vary, value: "Origin"))
        }
        return response
    }

    private func answer(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin] else { return try await next(request, context) }
        let allowed = allowedOrigins.contains(origin) || WidgetPaths.contains(request.uri.path)
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            guard allowed else {
                throw Problem(status: .forbidden, type: "origin-not-allowed", title: "This origin may not call the API.",
                              detail: "Origin \(origin) is not in CORS_ALLOWED_ORIGINS.")
            }
            var response = Response(status: .noContent)
            decorate(&response.headers, origin: origin)
            response.headers[.accessControlAllowMethods] = Self.allowedMethods
            response.headers[.accessControlAllowHeaders] = Self.allowedHeaders
            response.headers[.accessControlMaxAge] = "600"
            return response
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        if allowed { decorate(&response.headers, origin: origin) }
        return response
    }

    private func decorate(_ headers: inout HTTPFields, origin: String) {
        headers[.accessControlAllowOrigin] = origin
        headers[.accessControlExposeHeaders] = Self.exposedHeaders
    }
}
