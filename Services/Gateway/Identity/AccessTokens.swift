import Foundation
import JWTKit

/// The claims of a short-lived access token (an HS256-signed JWT).
struct AccessClaims: JWTPayload {
    static let issuer = "commerce-gateway"

    var sub: SubjectClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var jti: IDClaim
    var iss: IssuerClaim
    /// `customer`, `staff` or `admin`.
    var role: String

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        guard iss.value == Self.issuer else { throw JWTError.claimVerificationFailure(failedClaim: iss, reason: "unknown issuer") }
    }
}

/// Signs and verifies access tokens. Only HS256 with our key verifies: a token with
/// `alg: none`, another algorithm, a changed payload or signature, or past its expiry fails.
actor AccessTokens {
    let lifetime: TimeInterval
    private let secret: String
    private var keys: JWTKeyCollection?

    init(secret: String, lifetime: TimeInterval) {
        self.secret = secret
        self.lifetime = lifetime
    }

    private func keyCollection() async -> JWTKeyCollection {
        if let keys { return keys }
        let created = JWTKeyCollection()
        await created.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        keys = created
        return created
    }

    /// A token for a customer (`role: customer`) or a staff user (`staff`, `admin`).
    func issue(subject: UUID, role: String, now: Date = Date()) async throws -> String {
        let claims = AccessClaims(
            sub: .init(value: subject.uuidString.lowercased()), exp: .init(value: now.addingTimeInterval(lifetime)),
            iat: .init(value: now), jti: .init(value: UUID().uuidString.lowercased()), iss: .init(value: AccessClaims.issuer),
            role: role)
        return try await keyCollection().sign(claims)
    }

    /// The verified claims, or `nil` for any token that does not verify.
    func verify(_ token: String) async -> AccessClaims? {
        try? await keyCollection().verify(token, as: AccessClaims.self)
    }
}
