import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit

/// The one place that turns a bearer token into an identity: the token must verify, and its
/// account must stand now (``AccountStanding``).
struct Authenticator: Sendable {
    let tokens: AccessTokens
    let standing: AccountStanding

    /// The caller's identity: a guest without an `Authorization` header; a 401 problem for a
    /// token that does not verify (expired, tampered, foreign, `alg: none`, a retired key) or
    /// whose account is gone; 403 for a blocked account. Staff get the role their account has
    /// now, whatever the token says.
    func identity(of request: Request, context: ServiceRequestContext) async throws -> CallerIdentity {
        if let verified = context.verifiedCaller { return verified }
        guard let header = request.headers[.authorization] else { return .guest }
        guard header.lowercased().hasPrefix("bearer "),
              let claims = await tokens.verify(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)),
              let subject = UUID(uuidString: claims.sub.value),
              let role = CallerIdentity.Role(rawValue: claims.role)
        else { throw Problem.unauthenticated }
        switch role {
        case .customer:
            switch try await standing.ofCustomer(subject, logger: context.logger) {
            case .customer(let store): return CallerIdentity(role: .customer, customerId: subject, customerStore: store)
            case .blocked: throw Problem.accountBlocked
            case .gone, .staff: throw Problem.unauthenticated
            }
        case .staff, .admin:
            switch try await standing.ofStaff(subject, logger: context.logger) {
            case .staff(let current, let platformAdmin):
                guard let currentRole = CallerIdentity.Role(rawValue: current) else { throw Problem.unauthenticated }
                return CallerIdentity(role: currentRole, staffId: subject, platformAdmin: platformAdmin)
            case .blocked: throw Problem.accountBlocked
            case .gone, .customer: throw Problem.unauthenticated
            }
        case .guest: throw Problem.unauthenticated
        }
    }
}
