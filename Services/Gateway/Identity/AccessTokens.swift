import Foundation
import JWTKit
import Synchronization

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
///
/// Verification runs on every API request, so it does not go through an actor: the HS256
/// algorithm object is fetched from jwt-kit's key collection once and then used directly
/// with jwt-kit's parser, concurrently from any task.
final class AccessTokens: Sendable {
    let lifetime: TimeInterval
    private let secret: String
    private let keys = JWTKeyCollection()
    private let algorithm = Mutex<(any JWTAlgorithm)?>(nil)
    private let parser = DefaultJWTParser()

    init(secret: String, lifetime: TimeInterval) {
        self.secret = secret
        self.lifetime = lifetime
    }

    private func hs256() async throws -> any JWTAlgorithm {
        if let ready = algorithm.withLock({ $0 }) { return ready }
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: "hs256")
        let fetched = try await keys.getKey(for: "hs256")
        algorithm.withLock { $0 = fetched }
        return fetched
    }

    /// A token for a customer (`role: customer`) or a staff user (`staff`, `admin`).
    func issue(subject: UUID, role: String, now: Date = Date()) async throws -> String {
        _ = try await hs256()
        let claims = AccessClaims(
            sub: .init(value: subject.uuidString.lowercased()), exp: .init(value: now.addingTimeInterval(lifetime)),
            iat: .init(value: now), jti: .init(value: UUID().uuidString.lowercased()), iss: .init(value: AccessClaims.issuer),
            role: role)
        return try await keys.sign(claims, kid: "hs256")
    }

    /// The verified claims, or `nil` for any token that does not verify.
    func verify(_ token: String) async -> AccessClaims? {
        guard let algorithm = try? await hs256() else { return nil }
        let bytes = Array(token.utf8)
        guard let (header, claims, signature) = try? parser.parse(bytes, as: AccessClaims.self),
              header.alg == "HS256",
              let parts = try? parser.getTokenParts(bytes),
              (try? algorithm.verify(Array(signature), signs: Array(parts.header) + [UInt8(ascii: ".")] + Array(parts.payload))) == true
        else { return nil }
        do {
            try await claims.verify(using: algorithm)
            return claims
        } catch {
            return nil
        }
    }
}
