import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit

/// Customer sign-up and sessions: `/api/auth/register`, `/login`, `/refresh` and `/logout`
/// (the signed-in customer's own account is ``AccountController``). Access tokens are short-lived JWTs; refresh tokens are opaque, stored hashed,
/// rotated on every use, and a replayed one revokes its whole family.
struct AuthController: Controller {
    static let access = Access.everyone
    let accounts: CustomerStore
    let tokens: AccessTokens
    let hasher: PasswordHasher
    let refreshLifetime: TimeInterval

    struct Register: Decodable {
        var email: String
        var password: String
        var name: String
        var phone: String?
    }

    struct Login: Decodable {
        var email: String
        var password: String
    }

    struct Refresh: Decodable {
        var refreshToken: String
    }

    struct Session: ResponseEncodable {
        var tokenType = "Bearer"
        var accessToken: String
        var expiresIn: Int
        var refreshToken: String
        var customer: Customer
    }

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.post("/api/auth/register") { request, context -> EditedResponse<Session> in
            let body = try await request.decodeBody(Register.self, context: context)
            let email = body.email.trimmingCharacters(in: .whitespaces).lowercased()
            let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
            let phone = body.phone?.trimmingCharacters(in: .whitespaces)
            var errors: [Problem.FieldError] = []
            if !IdentityRules.isEmail(email) { errors.append(.init(field: "email", message: "must be an email address")) }
            if let problem = IdentityRules.passwordProblem(body.password) { errors.append(.init(field: "password", message: problem)) }
            if name.isEmpty || name.count > 100 { errors.append(.init(field: "name", message: "must be 1 to 100 characters")) }
            if let phone, !phone.isEmpty, !IdentityRules.isPhone(phone) {
                errors.append(.init(field: "phone", message: "must be a phone number (digits, optional leading +)"))
            }
            guard errors.isEmpty else { throw Problem.validation(errors) }
            let hash = await hasher.hash(body.password)
            let customer = try await accounts.register(email: email, passwordHash: hash, name: name,
                                                       phone: phone?.isEmpty == true ? nil : phone, store: try context.store,
                                                       correlationId: context.correlationId, logger: context.logger)
            context.logger.info("customer registered", metadata: ["customer.id": "\(customer.id)"])
            return EditedResponse(status: .created, response: try await session(for: customer, logger: context))
        }
        routes.post("/api/auth/login") { request, context -> Session in
            let body = try await request.decodeBody(Login.self, context: context)
            let customer = try await hasher.authenticate(
                body.password, account: try await accounts.find(email: body.email.trimmingCharacters(in: .whitespaces), store: try context.store,
                                                            logger: context.logger))
            guard !customer.blocked else { throw Problem.accountBlocked }
            return try await session(for: customer, logger: context)
        }
        routes.post("/api/auth/refresh") { request, context -> Session in
            let body = try await request.decodeBody(Refresh.self, context: context)
            let replacement = OpaqueToken.generate()
            switch try await accounts.rotate(body.refreshToken, to: replacement, lifetime: refreshLifetime, store: try context.store,
                                             logger: context.logger) {
            case .rotated(let customerID):
                guard let customer = try await accounts.find(id: customerID, logger: context.logger), !customer.blocked else {
                    throw Self.invalidRefresh
                }
                return Session(accessToken: try await tokens.issue(subject: customer.id, role: "customer"),
                               expiresIn: Int(tokens.lifetime), refreshToken: replacement.value, customer: customer)
            case .reused:
                context.logger.warning("refresh token reused; family revoked")
                throw Self.invalidRefresh
            case .expired, .unknown:
                throw Self.invalidRefresh
            }
        }
        routes.post("/api/auth/logout") { request, context -> Response in
            let body = try await request.decodeBody(Refresh.self, context: context)
            try await accounts.revokeFamily(of: body.refreshToken, logger: context.logger)
            return Response(status: .noContent)
        }
        return routes
    }

    private func session(for customer: Customer, logger context: ServiceRequestContext) async throws -> Session {
        let refresh = OpaqueToken.generate()
        try await accounts.store(refresh, customerID: customer.id, lifetime: refreshLifetime, logger: context.logger)
        return Session(accessToken: try await tokens.issue(subject: customer.id, role: "customer"),
                       expiresIn: Int(tokens.lifetime), refreshToken: refresh.value, customer: customer)
    }

    static let invalidRefresh = Problem(
        status: .unauthorized, type: "invalid-refresh-token", title: "The refresh token is not valid; log in again.")
}
