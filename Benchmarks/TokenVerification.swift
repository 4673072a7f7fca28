import Crypto
import Foundation
import JWTKit
import Synchronization

/// What verifying an access token costs on one core, per token: the former HS256 check, the
/// Ed25519 check the gateway makes the first time it sees a token, the lookup it makes every
/// later time (``AccessTokens`` remembers verified tokens until they expire), and signing.
/// The same jwt-kit parser and algorithms as the gateway's; CPU time of this thread.
enum TokenVerification {
    struct Claims: JWTPayload {
        var sub: SubjectClaim
        var exp: ExpirationClaim
        var iat: IssuedAtClaim
        var jti: IDClaim
        var iss: IssuerClaim
        var role: String
        func verify(using algorithm: some JWTAlgorithm) async throws { try exp.verifyNotExpired() }
    }

    static func threadCPU() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Microseconds of CPU per call of `body`, over `count` calls.
    static func measure(_ label: String, count: Int, _ body: () throws -> Void) rethrows {
        for _ in 0..<min(count, 1000) { try body() }
        let start = threadCPU()
        for _ in 0..<count { try body() }
        let perCall = (threadCPU() - start) / Double(count) * 1e6
        print("  " + label.padding(toLength: 58, withPad: " ", startingAt: 0) + String(format: "%8.2f µs CPU per token", perCall))
    }

    static func run() async throws {
        let now = Date()
        let claims = Claims(sub: .init(value: UUID().uuidString.lowercased()), exp: .init(value: now.addingTimeInterval(900)),
                            iat: .init(value: now), jti: .init(value: UUID().uuidString.lowercased()), iss: .init(value: "commerce-gateway"),
                            role: "customer")
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: "local-development-only-jwt-secret-0123456789"), digestAlgorithm: .sha256, kid: "hs256")
        await keys.add(eddsa: EdDSA.PrivateKey(backing: Curve25519.Signing.PrivateKey()), kid: "ed")
        let hs256 = try await keys.getKey(for: "hs256")
        let eddsa = try await keys.getKey(for: "ed")
        let hsToken = try await keys.sign(claims, kid: "hs256")
        let edToken = try await keys.sign(claims, kid: "ed")
        let parser = DefaultJWTParser()
        func check(_ token: String, _ algorithm: any JWTAlgorithm) throws {
            let bytes = Array(token.utf8)
            let (_, _, signature) = try parser.parse(bytes, as: Claims.self)
            let parts = try parser.getTokenParts(bytes)
            guard try algorithm.verify(Array(signature), signs: Array(parts.header) + [UInt8(ascii: ".")] + Array(parts.payload)) else {
                throw JWTError.signatureVerificationFailed
            }
        }
        let cache = Mutex<[String: Claims]>([:])
        for _ in 0..<10_000 { cache.withLock { $0[UUID().uuidString + edToken] = claims } }
        cache.withLock { $0[edToken] = claims }
        print("access tokens (\(edToken.utf8.count)-byte EdDSA token):")
        try measure("HS256 parse + verify (before: every request)", count: 20_000) { try check(hsToken, hs256) }
        try measure("EdDSA parse + verify (now: a token's first request)", count: 5_000) { try check(edToken, eddsa) }
        measure("remembered token: one lookup (now: every later request)", count: 200_000) {
            guard cache.withLock({ $0[edToken] }) != nil else { fatalError("the token is cached") }
        }
        try measure("EdDSA sign (sign-in, refresh)", count: 5_000) { _ = try eddsa.sign(Array(edToken.utf8)) }
    }
}
