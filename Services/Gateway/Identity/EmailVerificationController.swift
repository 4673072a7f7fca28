import Foundation
import Hummingbird
import ServiceKit

/// `POST /api/auth/verify-email`: the emailed token proves the customer's address.
struct EmailVerificationController: Controller {
    static let access = Access.everyone
    let verifications: EmailVerifications

    struct Confirmation: Decodable { var token: String }

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.post("/api/auth/verify-email") { request, context -> Response in
            let body = try await request.decodeBody(Confirmation.self, context: context)
            guard !body.token.isEmpty, body.token.count <= 200 else { throw Problem.validation([.init(field: "token", message: "is required")]) }
            switch try await verifications.confirm(token: body.token, correlationId: context.correlationId, logger: context.logger) {
            case .done:
                return Response(status: .noContent)
            case .invalid:
                throw Problem(status: .unprocessableContent, type: "invalid-verification-token",
                              title: "This verification link is not valid any more; ask for a new one.",
                              errors: [.init(field: "token", message: "is unknown, used or expired")])
            }
        }
        return routes
    }
}
