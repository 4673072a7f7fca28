import Foundation
import Hummingbird
import Logging
import ServiceKit

/// Staff sign-in and the identity part of the admin API: staff accounts (admin only: create,
/// list, change role or name, block, remove; each takes effect on the member's tokens within
/// seconds) and blocking customers (staff).
struct AdminController: Sendable {
    let staff: StaffStore
    let standing: AccountStanding
    let customers: CustomerStore
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

    struct StaffEdit: Decodable {
        var role: String?
        var name: String?
    }

    struct Invitation: Decodable {
        var token: String
        var password: String
    }

    struct StaffList: ResponseEncodable {
        var items: [StaffStore.StaffUser]
    }

    struct StaffSession: ResponseEncodable {
        var tokenType = "Bearer"
        var accessToken: String
        var expiresIn: Int
        var staff: StaffStore.StaffUser
    }

    func register(on router: Router<ServiceRequestContext>) {
        router.post("/api/admin/auth/login") { request, context -> StaffSession in
            let body = try await request.decodeBody(AuthController.Login.self, context: context)
            let user = try await hasher.authenticate(
                body.password, account: try await staff.find(email: body.email.trimmingCharacters(in: .whitespaces), logger: context.logger))
            guard user.status != "blocked" else { throw Problem.accountBlocked }
            guard let subject = UUID(uuidString: user.id) else { throw Problem.internalError(correlationId: context.correlationId) }
            return StaffSession(accessToken: try await tokens.issue(subject: subject, role: user.role),
                                expiresIn: Int(tokens.lifetime), staff: user)
        }
        router.post("/api/admin/staff") { request, context -> EditedResponse<StaffStore.StaffUser> in
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
        router.post("/api/admin/auth/accept-invitation") { request, context -> StaffSession in
            let body = try await request.decodeBody(Invitation.self, context: context)
            if let problem = IdentityRules.passwordProblem(body.password) { throw Problem.validation([.init(field: "password", message: problem)]) }
            let invalid = Problem(status: .unauthorized, type: "invalid-invitation", title: "The invitation is not valid: used, expired or unknown.")
            // The token is checked before the password is hashed, so garbage tokens cost no bcrypt.
            guard (1...200).contains(body.token.utf8.count), try await staff.invitationIsOpen(body.token, logger: context.logger) else { throw invalid }
            guard let user = try await staff.acceptInvitation(body.token, passwordHash: await hasher.hash(body.password), logger: context.logger),
                  let subject = UUID(uuidString: user.id)
            else { throw invalid }
            standing.forget(subject)
            context.logger.notice("staff invitation accepted", metadata: ["staff.id": "\(user.id)"])
            return StaffSession(accessToken: try await tokens.issue(subject: subject, role: user.role), expiresIn: Int(tokens.lifetime), staff: user)
        }
        router.get("/api/admin/staff") { request, context -> StaffList in
            _ = try await authenticator.require([.admin], of: request, context: context)
            return StaffList(items: try await staff.list(logger: context.logger))
        }
        router.patch("/api/admin/staff/{id}") { request, context -> StaffStore.StaffUser in
            let caller = try await authenticator.require([.admin], of: request, context: context)
            let body = try await request.decodeBody(StaffEdit.self, context: context)
            var changes: [StaffStore.Change] = []
            var errors: [Problem.FieldError] = []
            if let role = body.role {
                if ["admin", "staff"].contains(role) { changes.append(.role(role)) } else { errors.append(.init(field: "role", message: "must be admin or staff")) }
            }
            if let name = body.name?.trimmingCharacters(in: .whitespacesAndNewlines) {
                if (1...100).contains(name.count) { changes.append(.name(name)) } else { errors.append(.init(field: "name", message: "must be 1 to 100 characters")) }
            }
            guard errors.isEmpty else { throw Problem.validation(errors) }
            return try await edit(changes, caller: caller, context: context)
        }
        router.post("/api/admin/staff/{id}/block") { request, context -> StaffStore.StaffUser in
            let caller = try await authenticator.require([.admin], of: request, context: context)
            return try await edit([.block], caller: caller, context: context)
        }
        router.post("/api/admin/staff/{id}/unblock") { request, context -> StaffStore.StaffUser in
            let caller = try await authenticator.require([.admin], of: request, context: context)
            return try await edit([.unblock], caller: caller, context: context)
        }
        router.delete("/api/admin/staff/{id}") { request, context -> Response in
            let caller = try await authenticator.require([.admin], of: request, context: context)
            _ = try await change([.remove], caller: caller, context: context)
            return Response(status: .noContent)
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
            standing.forget(target.id)
            context.logger.notice("customer blocked", metadata: ["customer.id": "\(target.id)", "staff.id": "\(caller.staffId?.uuidString ?? "")"])
            return try await customer(context)
        }
        router.post("/api/admin/customers/{id}/unblock") { request, context -> Customer in
            let caller = try await authenticator.require([.staff, .admin], of: request, context: context)
            let target = try await customer(context)
            try await customers.setBlocked(target.id, reason: nil, logger: context.logger)
            standing.forget(target.id)
            context.logger.notice("customer unblocked", metadata: ["customer.id": "\(target.id)", "staff.id": "\(caller.staffId?.uuidString ?? "")"])
            return try await customer(context)
        }
    }

    /// ``change(_:caller:context:)`` for changes that keep the account.
    private func edit(_ changes: [StaffStore.Change], caller: CallerIdentity, context: ServiceRequestContext) async throws -> StaffStore.StaffUser {
        guard let user = try await change(changes, caller: caller, context: context) else { throw Problem.notFound("That staff member") }
        return user
    }

    /// Applies `changes` to the staff member in the path (404 for an unknown or removed one,
    /// 409 for the last active admin) and logs who did it; nil once removed.
    private func change(_ changes: [StaffStore.Change], caller: CallerIdentity, context: ServiceRequestContext) async throws -> StaffStore.StaffUser? {
        let id = try context.uuid(what: "That staff member")
        let outcome = try await staff.apply(changes, to: id, logger: context.logger)
        standing.forget(id)
        var metadata: Logger.Metadata = ["staff.target": "\(id)", "staff.id": "\(caller.staffId?.uuidString.lowercased() ?? "")"]
        switch outcome {
        case .notFound:
            throw Problem.notFound("That staff member")
        case .removed:
            context.logger.notice("staff removed", metadata: metadata)
            return nil
        case .changed(let user):
            metadata["staff.role"] = "\(user.role)"
            metadata["staff.status"] = "\(user.status)"
            context.logger.notice("staff changed", metadata: metadata)
            return user
        }
    }

    private func customer(_ context: ServiceRequestContext) async throws -> Customer {
        let id = try context.uuid(what: "That customer")
        guard let found = try await customers.find(id: id, logger: context.logger) else { throw Problem.notFound("That customer") }
        return found
    }
}
