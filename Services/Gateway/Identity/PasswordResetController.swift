import Foundation
import Hummingbird
import ServiceKit

/// `POST /api/auth/password-reset` (anyone: an email; always 202, so it reveals nothing about which emails have accounts) and
/// `POST /api/auth/password-reset/confirm` (the emailed token and the new password).
struct PasswordResetController: Controller {
    static let access = Access.everyone
    let changes: PasswordChanges
    let hasher: PasswordHasher

    struct ResetRequest: Decodable {
        var email: String
    }

    struct ResetConfirmation: Decodable {
        var token: String
        var newPassword: String
    }

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.post("/api/auth/password-reset") { request, context -> Response in
            let body = try await request.decodeBody(ResetRequest.self, context: context)
            let email = body.email.trimmingCharacters(in: .whitespaces)
            guard IdentityRules.isEmail(email.lowercased()) else {
                throw Problem.validation([.init(field: "email", message: "must be an email address")])
            }
            try await changes.requestReset(email: email, store: try context.store, correlationId: context.correlationId, logger: context.logger)
            return Response(status: .accepted)
        }
        routes.post("/api/auth/password-reset/confirm") { request, context -> Response in
            let body = try await request.decodeBody(ResetConfirmation.self, context: context)
            try IdentityRules.checkPassword(body.newPassword, field: "new_password")
            switch try await changes.completeReset(token: body.token, hash: await hasher.hash(body.newPassword), logger: context.logger) {
            case .done:
                return Response(status: .noContent)
            case .invalid:
                throw Problem(status: .unprocessableContent, type: "invalid-reset-token",
                              title: "This reset link is not valid any more; ask for a new one.",
                              errors: [.init(field: "token", message: "is unknown, used or expired")])
            }
        }
        return routes
    }
}
