import Foundation
import Hummingbird
import ServiceKit

/// The signed-in customer's own account: `GET /api/me`, `POST /api/me/password` (current and
/// new password) and `POST /api/me/email-verification` (send the verification email again).
struct AccountController: Controller {
    static let access = Access.customer
    let customers: CustomerStore
    let changes: PasswordChanges
    let verifications: EmailVerifications
    let hasher: PasswordHasher

    struct PasswordChange: Decodable {
        var currentPassword: String
        var newPassword: String
    }

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.get("/api/me") { _, context -> Customer in
            guard let customer = try await customers.find(id: try context.customerId, logger: context.logger) else { throw Problem.unauthenticated }
            return customer
        }
        routes.post("/api/me/password") { request, context -> Response in
            let body = try await request.decodeBody(PasswordChange.self, context: context)
            try IdentityRules.checkPassword(body.newPassword, field: "new_password")
            let id = try context.customerId
            guard let (_, hash) = try await customers.findWithPassword(id: id, logger: context.logger) else { throw Problem.unauthenticated }
            guard await hasher.verify(body.currentPassword, against: hash) else {
                throw Problem(status: .unprocessableContent, type: "wrong-password", title: "The current password is wrong.",
                              errors: [.init(field: "current_password", message: "is wrong")])
            }
            try await changes.setPassword(customerID: id, hash: await hasher.hash(body.newPassword), logger: context.logger)
            return Response(status: .noContent)
        }
        routes.post("/api/me/email-verification") { _, context -> Response in
            guard try await verifications.resend(customerID: try context.customerId, correlationId: context.correlationId, logger: context.logger) else {
                throw Problem(status: .conflict, type: "email-already-verified", title: "This email is already verified.")
            }
            return Response(status: .accepted)
        }
        return routes
    }
}
