import Crypto
import Foundation
import JWTKit
import Synchronization

/// The claims of a short-lived access token (an EdDSA-signed JWT).
struct AccessClaims: JWTPayload {
    static let issuer = "commerce-gateway"

    var sub: SubjectClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var jti: IDClaim
    var iss: IssuerClaim
    /// `customer`, `staff` or `admin` when issued; the gateway checks staff roles against the
    /// account on every request (``AccountStanding``).
    var role: String

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        guard iss.value == Self.issuer else { throw JWTError.claimVerificationFailure(failedClaim: iss, reason: "unknown issuer") }
    }
}

/// Signs and verifies access tokens with the gateway's Ed25519 keys (``SigningKeys``): only a
/// token with `alg: EdDSA`, a `kid` of the set and that key's signature verifies. HS256 tokens
/// (the earlier scheme), `alg: none`, unknown or retired key ids, changed payloads and expired
/// tokens fail.
///
/// Verification runs on every API request. An Ed25519 check costs tens of microseconds, so a
/// token that verified is remembered, by its exact text, until it expires (a bounded cache):
/// a storefront sends the same token for its whole lifetime, and repeats cost a lookup.
final class AccessTokens: Sendable {
    let lifetime: TimeInterval
    private let keys: SigningKeys
    private let collection = JWTKeyCollection()
    /// Each key's algorithm, fetched from jwt-kit once, then used directly from any task.
    private let algorithms = Mutex<[String: any JWTAlgorithm]>([:])
    private let parser = DefaultJWTParser()
    private let verified = Mutex<[String: AccessClaims]>([:])
    static let cacheCapacity = 20_000

    init(keys: SigningKeys, lifetime: TimeInterval) {
        self.keys = keys
        self.lifetime = lifetime
    }

    private func algorithm(for kid: String) async -> (any JWTAlgorithm)? {
        if let ready = algorithms.withLock({ $0[kid] }) { return ready }
        guard let key = keys.keys.first(where: { $0.id == kid }) else { return nil }
        await collection.add(eddsa: EdDSA.PrivateKey(backing: key.privateKey), kid: JWKIdentifier(string: kid))
        guard let fetched = try? await collection.getKey(for: JWKIdentifier(string: kid)) else { return nil }
        algorithms.withLock { $0[kid] = fetched }
        return fetched
    }

    /// A token for a customer (`role: customer`) or a staff user (`staff`, `admin`), signed
    /// with the signing key and carrying its `kid`.
    func issue(subject: UUID, role: String, now: Date = Date()) async throws -> String {
        let kid = keys.signingKeyID
        _ = await algorithm(for: kid)
        let claims = AccessClaims(
            sub: .init(value: subject.uuidString.lowercased()), exp: .init(value: now.addingTimeInterval(lifetime)),
            iat: .init(value: now), jti: .init(value: UUID().uuidString.lowercased()), iss: .init(value: AccessClaims.issuer),
            role: role)
        return try await collection.sign(claims, kid: JWKIdentifier(string: kid))
    }

    /// The verified claims, or `nil` for any token that does not verify.
    func verify(_ token: String, now: Date = Date()) async -> AccessClaims? {
        if let known = verified.withLock({ $0[token] }) {
            return known.exp.value > now ? known : nil
        }
        let bytes = Array(token.utf8)
        guard let (header, claims, signature) = try? parser.parse(bytes, as: AccessClaims.self),
              header.alg == "EdDSA", let kid = header.kid,
              let algorithm = await algorithm(for: kid),
              let parts = try? parser.getTokenParts(bytes),
              (try? algorithm.verify(Array(signature), signs: Array(parts.header) + [UInt8(ascii: ".")] + Array(parts.payload))) == true,
              (try? await claims.verify(using: algorithm)) != nil
        else { return nil }
        verified.withLock { cache in
            if cache.count >= Self.cacheCapacity {
                cache = cache.filter { $0.value.exp.value > now }
                if cache.count >= Self.cacheCapacity { cache.removeAll(keepingCapacity: true) }
            }
            cache[token] = claims
        }
        return claims
    }
}
