import Foundation
import Hummingbird
import ServiceKit

/// `POST /api/me/password` (signed in: current and new password), `POST /api/auth/password-reset`
/// (anyone: an email; always 202, so it reveals nothing about which emails have accounts) and
/// `POST /api/auth/password-reset/confirm` (the emailed token and the new password).
struct PasswordController: Sendable {
    let changes: PasswordChanges
    let customers: CustomerStore
    let authenticator: Authenticator
    let hasher: PasswordHasher

    struct Change: Decodable {
        var currentPassword: String
        var newPassword: String
    }

    struct ResetRequest: Decodable {
        var email: String
    }

    struct ResetConfirmation: Decodable {
        var token: String
        var newPassword: String
    }

    func register(on router: Router<ServiceRequestContext>) {
        router.post("/api/me/password") { request, context -> Response in
            let identity = try await authenticator.require([.customer], of: request, context: context)
            let body = try await request.decodeBody(Change.self, context: context)
            if let problem = IdentityRules.passwordProblem(body.newPassword) {
                throw Problem.validation([.init(field: "new_password", message: problem)])
            }
            guard let id = identity.customerId, let (_, hash) = try await customers.findWithPassword(id: id, logger: context.logger) else {
                throw Problem.unauthenticated
            }
            guard await hasher.verify(body.currentPassword, against: hash) else {
                throw Problem(status: .unprocessableContent, type: "wrong-password", title: "The current password is wrong.",
                              errors: [.init(field: "current_password", message: "is wrong")])
            }
            try await changes.setPassword(customerID: id, hash: await hasher.hash(body.newPassword), logger: context.logger)
            return Response(status: .noContent)
        }
        router.post("/api/auth/password-reset") { request, context -> Response in
            let body = try await request.decodeBody(ResetRequest.self, context: context)
            let email = body.email.trimmingCharacters(in: .whitespaces)
            guard IdentityRules.isEmail(email.lowercased()) else {
                throw Problem.validation([.init(field: "email", message: "must be an email address")])
            }
            try await changes.requestReset(email: email, correlationId: context.correlationId, logger: context.logger)
            return Response(status: .accepted)
        }
        router.post("/api/auth/password-reset/confirm") { request, context -> Response in
            let body = try await request.decodeBody(ResetConfirmation.self, context: context)
            if let problem = IdentityRules.passwordProblem(body.newPassword) {
                throw Problem.validation([.init(field: "new_password", message: problem)])
            }
            switch try await changes.completeReset(token: body.token, hash: await hasher.hash(body.newPassword), logger: context.logger) {
            case .done:
                return Response(status: .noContent)
            case .invalid:
                throw Problem(status: .unprocessableContent, type: "invalid-reset-token",
                              title: "This reset link is not valid any more; ask for a new one.",
                              errors: [.init(field: "token", message: "is unknown, used or expired")])
            }
        }
    }
}
