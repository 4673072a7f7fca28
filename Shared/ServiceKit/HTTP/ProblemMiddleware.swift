import Foundation
import Hummingbird
import Logging
import Persistence

/// Turns every error a route throws into a problem+json response: ``Problem`` as it is,
/// Hummingbird's `HTTPError` (unknown route, body too large, undecodable body) with a
/// stable type, a database check constraint into a 422, a database outage into a 503 with
/// `Retry-After`, and anything else into a 500 that
/// reveals nothing but the request id.
public struct ProblemMiddleware: RouterMiddleware {
    public typealias Context = ServiceRequestContext

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return try problem.response(from: request, context: context)
        } catch let error as HTTPError {
            return try Self.problem(for: error).response(from: request, context: context)
        } catch let error as HTTPResponseError {
            // Another library's error that renders itself: keep its status, give it our shape.
            let problem = Problem(status: error.status, type: "http-\(error.status.code)", title: error.status.reasonPhrase)
            return try problem.response(from: request, context: context)
        } catch let error where ConstraintViolation(error)?.kind == .check {
            // The database refused a value the route's validation let through: still the
            // client's bad input (422, nothing written), and a validation gap to close (logged).
            context.logger.error("check constraint reached; validation is missing",
                                 metadata: ["constraint": "\(ConstraintViolation(error)?.constraint ?? "")"])
            return try Problem.validation([.init(field: "body", message: "a value is out of the allowed range")])
                .response(from: request, context: context)
        } catch let error where DatabaseOutage.matches(error) {
            // PostgreSQL is down or restarting: the caller may try again (a write safely with its key).
            context.logger.warning("database unavailable", metadata: ["error": "\(error)"])
            return try Problem.databaseUnavailable
                .response(from: request, context: context)
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return try Problem.internalError(correlationId: context.correlationId).response(from: request, context: context)
        }
    }

    static func problem(for error: HTTPError) -> Problem {
        switch error.status {
        case .notFound:
            return Problem(status: .notFound, type: "not-found", title: "Not found.", detail: error.body ?? "No such resource.", headers: error.headers)
        case .contentTooLarge:
            return Problem(status: .contentTooLarge, type: "payload-too-large", title: "The request body is too large.", headers: error.headers)
        case .methodNotAllowed:
            return Problem(status: .methodNotAllowed, type: "method-not-allowed", title: "Method not allowed.", headers: error.headers)
        case .badRequest:
            return Problem(status: .badRequest, type: "bad-request", title: "The request cannot be read.", detail: error.body, headers: error.headers)
        default:
            return Problem(status: error.status, type: "http-\(error.status.code)", title: error.status.reasonPhrase, detail: error.body, headers: error.headers)
        }
    }
}
