import Foundation
import Hummingbird
import ServiceKit

/// Staff sign in (email and password) or accept an invitation (its token and a new
/// password); both answer a staff session.
struct StaffSignInController: Controller {
    static let access = Access.everyone
    let staff: StaffStore
    let standing: AccountStanding
    let tokens: AccessTokens
    let hasher: PasswordHasher

    struct Invitation: Decodable {
        var token: String
        var password: String
    }

    struct StaffSession: ResponseEncodable {
        var tokenType = "Bearer"
        var accessToken: String
        var expiresIn: Int
        var staff: StaffStore.StaffUser
    }

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.post("/api/admin/auth/login") { request, context -> StaffSession in
            let body = try await request.decodeBody(AuthController.Login.self, context: context)
            let user = try await hasher.authenticate(
                body.password, account: try await staff.find(email: body.email.trimmingCharacters(in: .whitespaces), logger: context.logger))
            guard user.status != "blocked" else { throw Problem.accountBlocked }
            guard let subject = UUID(uuidString: user.id) else { throw Problem.internalError(correlationId: context.correlationId) }
            return StaffSession(accessToken: try await tokens.issue(subject: subject, role: user.role),
                                expiresIn: Int(tokens.lifetime), staff: user)
        }
        routes.post("/api/admin/auth/accept-invitation") { request, context -> StaffSession in
            let body = try await request.decodeBody(Invitation.self, context: context)
            try IdentityRules.checkPassword(body.password, field: "password")
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
        return routes
    }
}
