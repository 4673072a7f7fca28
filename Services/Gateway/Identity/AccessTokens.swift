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

/// Signs and verifies access tokens with the gateway's Ed25519 keys (``SigningKeys``), through
/// jwt-kit's key collection: a token verifies only with a `kid` of the set and an Ed25519
/// signature by that key, so HS256 tokens (the earlier scheme), `alg: none`, retired keys, changed payloads and
/// expired tokens fail.
///
/// Verification runs on every API request. An Ed25519 check costs tens of microseconds, so a
/// token that verified is remembered, by its exact text, until it expires (a bounded cache):
/// a storefront sends the same token for its whole lifetime, and repeats cost a lookup.
final class AccessTokens: Sendable {
    let lifetime: TimeInterval
    private let keys: SigningKeys
    private let collection = JWTKeyCollection()
    private let loaded = Mutex(false)
    private let parser = DefaultJWTParser()
    private let verified = Mutex<[String: AccessClaims]>([:])
    static let cacheCapacity = 20_000

    init(keys: SigningKeys, lifetime: TimeInterval) {
        self.keys = keys
        self.lifetime = lifetime
    }

    /// Puts every key of the set into the collection, once.
    private func loadKeys() async {
        guard !loaded.withLock({ $0 }) else { return }
        for key in keys.keys {
            await collection.add(eddsa: EdDSA.PrivateKey(backing: key.privateKey), kid: JWKIdentifier(string: key.id))
        }
        loaded.withLock { $0 = true }
    }

    /// A token for a customer (`role: customer`) or a staff user (`staff`, `admin`), signed
    /// with the signing key and carrying its `kid`.
    func issue(subject: UUID, role: String, now: Date = Date()) async throws -> String {
        await loadKeys()
        let claims = AccessClaims(
            sub: .init(value: subject.uuidString.lowercased()), exp: .init(value: now.addingTimeInterval(lifetime)),
            iat: .init(value: now), jti: .init(value: UUID().uuidString.lowercased()), iss: .init(value: AccessClaims.issuer),
            role: role)
        return try await collection.sign(claims, kid: JWKIdentifier(string: keys.signingKeyID))
    }

    /// The verified claims, or `nil` for any token that does not verify.
    func verify(_ token: String, now: Date = Date()) async -> AccessClaims? {
        if let known = verified.withLock({ $0[token] }) {
            return known.exp.value > now ? known : nil
        }
        // jwt-kit falls back to its first key for a token without a `kid` or with one it does
        // not have; ours must name a key of the set.
        guard let (header, _, _) = try? parser.parse(Array(token.utf8), as: AccessClaims.self), let kid = header.kid,
              keys.keys.contains(where: { $0.id == kid }) else { return nil }
        await loadKeys()
        guard let claims = try? await collection.verify(token, as: AccessClaims.self) else { return nil }
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
