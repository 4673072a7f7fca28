import Foundation
import HTTPTypes
import Hummingbird

/// An RFC 9457 problem: every error any service or the gateway returns has this shape,
/// served as `application/problem+json`.
///
/// `type` is stable per kind of error (`/problems/validation-failed`, `/problems/not-found`)
/// so clients can branch on it; `title` is for people; `errors` names each bad field.
public struct Problem: HTTPResponseError, Sendable, Equatable {
    public static let contentType = "application/problem+json"

    public var status: HTTPResponse.Status
    public var type: String
    public var title: String
    public var detail: String?
    public var errors: [FieldError]
    public var headers: HTTPFields

    /// One invalid input: a JSON pointer-ish path (`shipping_address.phone`) and why.
    public struct FieldError: Codable, Sendable, Equatable {
        public var field: String
        public var message: String

        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public init(status: HTTPResponse.Status, type: String, title: String, detail: String? = nil,
                errors: [FieldError] = [], headers: HTTPFields = [:]) {
        self.status = status
        self.type = "/problems/\(type)"
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    public static func validation(_ errors: [FieldError], detail: String? = nil) -> Problem {
        Problem(status: .unprocessableContent, type: "validation-failed", title: "The request has invalid fields.",
                detail: detail ?? errors.map { "\($0.field): \($0.message)" }.joined(separator: "; "), errors: errors)
    }

    public static func notFound(_ what: String) -> Problem {
        Problem(status: .notFound, type: "not-found", title: "Not found.", detail: "\(what) does not exist.")
    }

    public static func badRequest(_ detail: String, field: String? = nil) -> Problem {
        Problem(status: .badRequest, type: "bad-request", title: "The request cannot be read.", detail: detail,
                errors: field.map { [FieldError(field: $0, message: detail)] } ?? [])
    }

    /// 409: the thing cannot make that move from the state it is in (an order, a shipment, an
    /// email or POS push to send again).
    public static func illegalTransition(_ title: String, detail: String? = nil, errors: [FieldError] = []) -> Problem {
        Problem(status: .conflict, type: "illegal-transition", title: title, detail: detail, errors: errors)
    }

    /// A request that needs a signed-in caller and has none.
    public static let unauthenticated = Problem(
        status: .unauthorized, type: "unauthenticated", title: "A valid access token is required.",
        headers: [.wwwAuthenticate: #"Bearer realm="commerce""#])

    public static func internalError(correlationId: String) -> Problem {
        Problem(status: .internalServerError, type: "internal-error", title: "Something went wrong on our side.",
                detail: "Quote request id \(correlationId) when reporting this.")
    }

    /// 503 with `Retry-After` (seconds): the caller may try again then.
    public static func unavailable(_ detail: String, retryAfter seconds: Int = 2) -> Problem {
        Problem(status: .serviceUnavailable, type: "service-unavailable", title: "A service is unavailable.", detail: detail,
                headers: [.retryAfter: "\(seconds)"])
    }

    /// PostgreSQL is out of reach: 503 with `Retry-After`; the caller may try again (a write
    /// safely, with its `Idempotency-Key`).
    public static let databaseUnavailable = unavailable("The database is unavailable. Try again shortly (a write with the same Idempotency-Key).")

    /// The JSON document, as RFC 9457 names its members; `errors` only when there are some.
    struct Document: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String?
        var instance: String?
        var errors: [FieldError]?
    }

    /// The JSON body.
    public func body(instance: String? = nil) -> Data {
        let document = Document(type: type, title: title, status: Int(status.code), detail: detail, instance: instance,
                                errors: errors.isEmpty ? nil : errors)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(document)) ?? Data()
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = Self.contentType
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body(instance: request.uri.path))))
    }
}
