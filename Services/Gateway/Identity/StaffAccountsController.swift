import Foundation
import Hummingbird
import Logging
import ServiceKit

/// The staff of the store an admin works in: create, list, change role or name, block,
/// remove; each takes effect on the member's tokens within seconds.
struct StaffAccountsController: Controller {
    static let access = Access.admin
    let staff: StaffStore
    let standing: AccountStanding
    let hasher: PasswordHasher

    struct NewStaff: Decodable {
        var email: String
        var password: String
        var name: String
        var role: String
    }

    struct StaffEdit: Decodable {
        var role: String?
        var name: String?
    }

    struct StaffList: ResponseEncodable {
        var items: [StaffStore.StaffUser]
    }

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.post("/api/admin/staff") { request, context -> EditedResponse<StaffStore.StaffUser> in
            let body = try await request.decodeBody(NewStaff.self, context: context)
            let email = body.email.trimmingCharacters(in: .whitespaces).lowercased()
            var errors: [Problem.FieldError] = []
            if !IdentityRules.isEmail(email) { errors.append(.init(field: "email", message: "must be an email address")) }
            if let problem = IdentityRules.passwordProblem(body.password) { errors.append(.init(field: "password", message: problem)) }
            if body.name.trimmingCharacters(in: .whitespaces).isEmpty { errors.append(.init(field: "name", message: "is required")) }
            if !["admin", "staff"].contains(body.role) { errors.append(.init(field: "role", message: "must be admin or staff")) }
            guard errors.isEmpty else { throw Problem.validation(errors) }
            let user = try await staff.create(email: email, passwordHash: await hasher.hash(body.password),
                                              name: body.name, role: body.role, store: context.storeId ?? .original, logger: context.logger)
            return EditedResponse(status: .created, response: user)
        }
        routes.get("/api/admin/staff") { request, context -> StaffList in
            return StaffList(items: try await staff.list(store: try context.store, logger: context.logger))
        }
        routes.patch("/api/admin/staff/{id}") { request, context -> StaffStore.StaffUser in
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
            return try await edit(changes, context: context)
        }
        routes.post("/api/admin/staff/{id}/block") { request, context -> StaffStore.StaffUser in
            return try await edit([.block], context: context)
        }
        routes.post("/api/admin/staff/{id}/unblock") { request, context -> StaffStore.StaffUser in
            return try await edit([.unblock], context: context)
        }
        routes.delete("/api/admin/staff/{id}") { request, context -> Response in
            _ = try await change([.remove], context: context)
            return Response(status: .noContent)
        }
        return routes
    }

    private func edit(_ changes: [StaffStore.Change], context: ServiceRequestContext) async throws -> StaffStore.StaffUser {
        guard let user = try await change(changes, context: context) else { throw Problem.notFound("That staff member") }
        return user
    }

    /// Applies `changes` to the staff member in the path (404 for an unknown or removed one,
    /// 409 for the last active admin) and logs who did it; nil once removed.
    private func change(_ changes: [StaffStore.Change], context: ServiceRequestContext) async throws -> StaffStore.StaffUser? {
        let id = try context.uuid(what: "That staff member")
        let outcome = try await staff.apply(changes, to: id, in: try context.store,
                                            byPlatformOperator: context.verifiedCaller?.platformAdmin ?? false, logger: context.logger)
        standing.forget(id)
        var metadata: Logger.Metadata = ["staff.target": "\(id)", "staff.id": "\(context.staffId?.uuidString.lowercased() ?? "")"]
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
}
