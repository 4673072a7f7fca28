import Foundation
import Hummingbird
import Logging
import ServiceKit

/// Staff sign-in and the identity part of the admin API: staff accounts (admin only) and
/// blocking customers (staff).
struct AdminController: Sendable {
    let staff: StaffAccounts
    let customers: CustomerAccounts
    let tokens: AccessTokens
    let authenticator: Authenticator
    let hasher: PasswordHasher

    struct NewStaff: Decodable {
        var email: String
        var password: String
        var name: String
        var role: String
    }

    struct Block: Decodable {
        var reason: String
    }

    struct StaffSession: ResponseEncodable {
        var tokenType = "Bearer"
        var accessToken: String
        var expiresIn: Int
        var staff: StaffAccounts.StaffUser
    }

    func register(on router: Router<ServiceRequestContext>) {
        router.post("/api/admin/auth/login") { request, context -> StaffSession in
            let body = try await request.decodeBody(AuthController.Login.self, context: context)
            let user = try await hasher.authenticate(
                body.password, account: try await staff.find(email: body.email.trimmingCharacters(in: .whitespaces), logger: context.logger))
            guard let subject = UUID(uuidString: user.id) else { throw Problem.internalError(correlationId: context.correlationId) }
            return StaffSession(accessToken: try await tokens.issue(subject: subject, role: user.role),
                                expiresIn: Int(tokens.lifetime), staff: user)
        }
        router.post("/api/admin/staff") { request, context -> EditedResponse<StaffAccounts.StaffUser> in
            _ = try await authenticator.require([.admin], of: request, context: context)
            let body = try await request.decodeBody(NewStaff.self, context: context)
            let email = body.email.trimmingCharacters(in: .whitespaces).lowercased()
            var errors: [Problem.FieldError] = []
            if !IdentityRules.isEmail(email) { errors.append(.init(field: "email", message: "must be an email address")) }
            if let problem = IdentityRules.passwordProblem(body.password) { errors.append(.init(field: "password", message: problem)) }
            if body.name.trimmingCharacters(in: .whitespaces).isEmpty { errors.append(.init(field: "name", message: "is required")) }
            if !["admin", "staff"].contains(body.role) { errors.append(.init(field: "role", message: "must be admin or staff")) }
            guard errors.isEmpty else { throw Problem.validation(errors) }
            let user = try await staff.create(email: email, passwordHash: await hasher.hash(body.password),
                                              name: body.name, role: body.role, logger: context.logger)
            return EditedResponse(status: .created, response: user)
        }
        router.get("/api/admin/customers/{id}") { request, context -> Customer in
            _ = try await authenticator.require([.staff, .admin], of: request, context: context)
            return try await customer(context)
        }
        router.post("/api/admin/customers/{id}/block") { request, context -> Customer in
            let caller = try await authenticator.require([.staff, .admin], of: request, context: context)
            let body = try await request.decodeBody(Block.self, context: context)
            let reason = body.reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...500).contains(reason.count) else {
                throw Problem.validation([.init(field: "reason", message: "must be 1 to 500 characters")])
            }
            let target = try await customer(context)
            try await customers.setBlocked(target.id, reason: reason, logger: context.logger)
            context.logger.notice("customer blocked", metadata: ["customer.id": "\(target.id)", "staff.id": "\(caller.staffId?.uuidString ?? "")"])
            return try await customer(context)
        }
        router.post("/api/admin/customers/{id}/unblock") { request, context -> Customer in
            let caller = try await authenticator.require([.staff, .admin], of: request, context: context)
            let target = try await customer(context)
            try await customers.setBlocked(target.id, reason: nil, logger: context.logger)
            context.logger.notice("customer unblocked", metadata: ["customer.id": "\(target.id)", "staff.id": "\(caller.staffId?.uuidString ?? "")"])
            return try await customer(context)
        }
    }

    private func customer(_ context: ServiceRequestContext) async throws -> Customer {
        let id = try context.uuid(what: "That customer")
        guard let found = try await customers.find(id: id, logger: context.logger) else { throw Problem.notFound("That customer") }
        return found
    }
}
