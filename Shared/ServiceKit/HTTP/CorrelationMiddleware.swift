import Foundation
import HTTPTypes
import Hummingbird

/// Accepts the caller's `X-Request-Id` (if it is a sane token) or generates one, puts it in
/// the context and in every log line of the request as `correlation_id`, and returns it.
public struct CorrelationMiddleware: RouterMiddleware {
    public typealias Context = ServiceRequestContext
    public static let header = HTTPField.Name("X-Request-Id")!

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let id = request.headers[Self.header].flatMap(Self.acceptable) ?? UUID().uuidString.lowercased()
        context.correlationId = id
        context.logger[metadataKey: "correlation_id"] = "\(id)"
        var response = try await next(request, context)
        response.headers[Self.header] = id
        return response
    }

    /// 1–128 characters of letters, digits, `-`, `_`, `.`, `:`; anything else is replaced.
    static func acceptable(_ value: String) -> String? {
        guard (1...128).contains(value.count),
              value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) })
        else { return nil }
        return value
    }
}
