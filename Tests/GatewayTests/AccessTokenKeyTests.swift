import Crypto
import Foundation
@testable import Gateway
import JWTKit
import Persistence
import ServiceKit
import ServiceKitTestKit
import Testing

/// Access tokens under key rotation: which tokens a key set verifies, and what it refuses.
@Suite("Gateway: access-token keys and rotation")
struct AccessTokenKeyTests {
    static let old = "2026-06:" + Base64URL.encode(Data(repeating: 1, count: 32))
    static let new = "2026-12:" + Base64URL.encode(Data(repeating: 2, count: 32))

    func tokens(_ keySet: String, signing: String = "") throws -> AccessTokens {
        AccessTokens(keys: try SigningKeys(keySet: keySet, signingKeyID: signing), lifetime: 900)
    }

    func header(of token: String) throws -> [String: Any] {
        let part = String(token.split(separator: ".")[0])
        let bytes = try #require(Base64URL.decode(part))
        return try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
    }

    @Test("a token is EdDSA-signed with the signing key and names it; it verifies and carries its claims")
    func issueAndVerify() async throws {
        let keys = try tokens(Self.new + "," + Self.old)
        let subject = UUID()
        let token = try await keys.issue(subject: subject, role: "admin")
        let head = try header(of: token)
        #expect(head["alg"] as? String == "EdDSA")
        #expect(head["kid"] as? String == "2026-12", "the first key signs unless JWT_SIGNING_KEY_ID names another")
        let claims = try #require(await keys.verify(token))
        #expect(claims.sub.value == subject.uuidString.lowercased())
        #expect(claims.role == "admin")
        let chosen = try tokens(Self.new + "," + Self.old, signing: "2026-06")
        #expect(try header(of: try await chosen.issue(subject: subject, role: "staff"))["kid"] as? String == "2026-06")
    }

    @Test("rotation: the new set verifies old and new tokens; once the old key is retired its tokens fail")
    func rotation() async throws {
        let before = try tokens(Self.old)
        let oldToken = try await before.issue(subject: UUID(), role: "customer")
        let during = try tokens(Self.new + "," + Self.old)
        let newToken = try await during.issue(subject: UUID(), role: "customer")
        #expect(await during.verify(oldToken) != nil, "a token of the old key still verifies while the old key is in the set")
        #expect(await during.verify(newToken) != nil)
        #expect(await before.verify(newToken) == nil, "a gateway that does not have the new key yet refuses its tokens")
        let after = try tokens(Self.new)
        #expect(await after.verify(oldToken) == nil, "the retired key's tokens are refused")
        #expect(await after.verify(newToken) != nil)
    }

    @Test("refused: an unknown kid, no kid, another key under a known kid, HS256 with the old built-in secret, alg none, expired")
    func refusals() async throws {
        let keys = try tokens(Self.new)
        let claims = TokenForgery.claims(subject: UUID().uuidString.lowercased(), role: "admin")
        let stranger = Curve25519.Signing.PrivateKey()
        let mine = try Curve25519.Signing.PrivateKey(rawRepresentation: Data(repeating: 2, count: 32))
        #expect(await keys.verify(TokenForgery.eddsa(claims, kid: "2026-12", key: mine)) != nil, "the forging helper makes genuine tokens")
        #expect(await keys.verify(TokenForgery.eddsa(claims, kid: "2027-01", key: mine)) == nil, "unknown kid")
        #expect(await keys.verify(TokenForgery.eddsa(claims, kid: nil, key: mine)) == nil, "no kid")
        #expect(await keys.verify(TokenForgery.eddsa(claims, kid: "2026-12", key: stranger)) == nil, "a stranger's key under our kid")
        #expect(await keys.verify(TokenForgery.hs256(claims, secret: TokenForgery.formerBuiltInSecret)) == nil,
                "the built-in HS256 key of earlier releases")
        let expired = TokenForgery.claims(subject: UUID().uuidString.lowercased(), role: "admin", seconds: -1)
        #expect(await keys.verify(TokenForgery.eddsa(expired, kid: "2026-12", key: mine)) == nil, "expired")
        let none = [Base64URL.encode(Data(#"{"alg":"none","typ":"JWT","kid":"2026-12"}"#.utf8)),
                    Base64URL.encode(try JSONSerialization.data(withJSONObject: claims)), ""].joined(separator: ".")
        #expect(await keys.verify(none) == nil, "alg none")
    }

    @Test("a remembered token still expires: the cache answers nothing past exp")
    func cachedTokensExpire() async throws {
        let keys = try tokens(Self.new)
        let token = try await keys.issue(subject: UUID(), role: "customer", now: Date().addingTimeInterval(-899))
        #expect(await keys.verify(token) != nil)
        #expect(await keys.verify(token, now: Date().addingTimeInterval(2)) == nil)
    }

    @Test("malformed key sets stop the start naming the variable")
    func malformedKeySets() {
        for (set, signing, variable) in [("", "", "JWT_KEYS"), ("nokey", "", "JWT_KEYS"), ("a:short", "", "JWT_KEYS"),
                                         (Self.new + "," + Self.new, "", "JWT_KEYS"), ("bad id!:" + Self.new.split(separator: ":")[1], "", "JWT_KEYS"),
                                         (Self.new, "2020-01", "JWT_SIGNING_KEY_ID")] {
            #expect(throws: ConfigurationError.self, "\(set) / \(signing)") {
                do { _ = try SigningKeys(keySet: set, signingKeyID: signing) } catch let error as ConfigurationError {
                    #expect(error.variable == variable)
                    throw error
                }
            }
        }
        #expect(SecretRecipe.ed25519KeySet.generate().map { (try? SigningKeys(keySet: $0, signingKeyID: "")) != nil } == true,
                "what `gateway --new-secret JWT_KEYS` makes is a valid set")
    }
}
