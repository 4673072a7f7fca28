import AsyncHTTPClient
import Crypto
import EventContracts
import Foundation
import ServiceKitTestKit
import Testing

/// Customer sign-up and sessions through the running gateway.
@Suite("Gateway: customer identity", .serialized)
struct CustomerIdentityTests {
    /// Runs `body` against a gateway process on ports of this suite's own.
    private func withGateway(_ body: (HTTPClient, String) async throws -> Void) async throws {
        try await withServices(["gateway"], portOffset: 200) { client, suite in try await body(client, suite.baseURL("gateway")) }
    }

    private func uniqueEmail() -> String { "shopper+\(UUID().uuidString.prefix(8).lowercased())@example.com" }

    @Test("register, me, refresh with rotation, logout; a replayed refresh token revokes the whole family")
    func sessionLifecycle() async throws {
        try await withGateway { client, base in
            let email = uniqueEmail()
            let registered = try await send(client, "POST", base + "/api/auth/register", json: [
                "email": email.uppercased(), "password": "correct horse battery", "name": "Lan Nguyen", "phone": "+84901234567",
                // A client trying to give itself privileges or prices: ignored.
                "role": "admin", "status": "vip", "unit_price": 1, "total": 0,
            ])
            #expect(registered.status == 201)
            let session = try #require(registered.json)
            let access = try #require(session["access_token"] as? String)
            let refresh = try #require(session["refresh_token"] as? String)
            #expect(session["token_type"] as? String == "Bearer")
            #expect((session["customer"] as? [String: Any])?["email"] as? String == email, "email stored lower-case")
            #expect((session["customer"] as? [String: Any])?["role"] == nil)
            let claims = try await unverifiedClaims(access)
            #expect(claims["role"] as? String == "customer", "the role in the token is the server's, not the client's")

            let me = try await send(client, "GET", base + "/api/me", headers: ["Authorization": "Bearer \(access)"])
            #expect(me.status == 200)
            #expect(me.json?["name"] as? String == "Lan Nguyen")
            #expect(me.json?["password_hash"] == nil)

            let login = try await send(client, "POST", base + "/api/auth/login", json: ["email": email, "password": "correct horse battery"])
            #expect(login.status == 200)

            let rotated = try await send(client, "POST", base + "/api/auth/refresh", json: ["refresh_token": refresh])
            #expect(rotated.status == 200)
            let newRefresh = try #require(rotated.json?["refresh_token"] as? String)
            #expect(newRefresh != refresh)

            // The old token again: reuse. It is refused and takes the new one down with it.
            let replay = try await send(client, "POST", base + "/api/auth/refresh", json: ["refresh_token": refresh])
            #expect(replay.status == 401)
            #expect(replay.problemType == "/problems/invalid-refresh-token")
            let afterReplay = try await send(client, "POST", base + "/api/auth/refresh", json: ["refresh_token": newRefresh])
            #expect(afterReplay.status == 401, "the whole family is revoked")

            // Logout ends the login's own family.
            let loginRefresh = try #require(login.json?["refresh_token"] as? String)
            let logout = try await send(client, "POST", base + "/api/auth/logout", json: ["refresh_token": loginRefresh])
            #expect(logout.status == 204)
            let afterLogout = try await send(client, "POST", base + "/api/auth/refresh", json: ["refresh_token": loginRefresh])
            #expect(afterLogout.status == 401)
        }
    }

    @Test("expired, tampered, foreign-key and alg:none tokens are refused with 401")
    func forgedTokensAreRefused() async throws {
        try await withGateway { client, base in
            let registered = try await send(client, "POST", base + "/api/auth/register", json: [
                "email": uniqueEmail(), "password": "correct horse battery", "name": "Minh"])
            let access = try #require(registered.json?["access_token"] as? String)
            let customerID = try #require((registered.json?["customer"] as? [String: Any])?["id"] as? String)

            let expired = TokenForgery.eddsa(TokenForgery.claims(subject: customerID, role: "customer", seconds: -60))
            let foreignKey = TokenForgery.eddsa(TokenForgery.claims(subject: customerID, role: "admin"), key: Curve25519.Signing.PrivateKey())
            let unknownKid = TokenForgery.eddsa(TokenForgery.claims(subject: customerID, role: "customer"), kid: "retired-or-unknown")
            let formerBuiltIn = TokenForgery.hs256(TokenForgery.claims(subject: customerID, role: "admin"), secret: TokenForgery.formerBuiltInSecret)
            let genuineForgery = TokenForgery.eddsa(TokenForgery.claims(subject: customerID, role: "customer"))
            #expect(try await send(client, "GET", base + "/api/me", headers: ["Authorization": "Bearer \(genuineForgery)"]).status == 200,
                    "the test's own signing works, so the refusals below are about what they change")
            let parts = access.split(separator: ".").map(String.init)
            var payload = try JSONSerialization.jsonObject(with: TokenForgery.decode(parts[1])) as! [String: Any]
            payload["role"] = "admin"
            let tampered = [parts[0], TokenForgery.encode(try JSONSerialization.data(withJSONObject: payload)), parts[2]].joined(separator: ".")
            let none = [TokenForgery.encode(Data(#"{"alg":"none","typ":"JWT"}"#.utf8)), parts[1], ""].joined(separator: ".")

            for (name, token) in [("expired", expired), ("foreign key", foreignKey), ("unknown kid", unknownKid),
                                  ("HS256 with the former built-in key", formerBuiltIn), ("tampered", tampered), ("alg none", none), ("garbage", "abc")] {
                let answer = try await send(client, "GET", base + "/api/me", headers: ["Authorization": "Bearer \(token)"])
                #expect(answer.status == 401, "\(name) token refused")
                #expect(answer.problemType == "/problems/unauthenticated")
                #expect(answer.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
            }
            let genuine = try await send(client, "GET", base + "/api/me", headers: ["Authorization": "Bearer \(access)"])
            #expect(genuine.status == 200, "the genuine token still works")
        }
    }

    @Test("bad sign-ups and logins are 4xx problems that name the field and change nothing")
    func badInput() async throws {
        try await withGateway { client, base in
            let invalid = try await send(client, "POST", base + "/api/auth/register", json: [
                "email": "not-an-email", "password": "short", "name": "", "phone": "call me"])
            #expect(invalid.status == 422)
            let fields = Set(((invalid.json?["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String })
            #expect(fields == ["email", "password", "name", "phone"])
            let missing = try await send(client, "POST", base + "/api/auth/register", json: ["email": uniqueEmail()])
            #expect(missing.status == 422)
            #expect(((missing.json?["errors"] as? [[String: Any]])?.first?["field"] as? String) == "password")
            let wrongType = try await send(client, "POST", base + "/api/auth/login", json: ["email": 42, "password": "x"])
            #expect(wrongType.status == 422)
            // PostgreSQL cannot store NUL; found by schemathesis as a 500 before the kit refused it.
            let nul = try await send(client, "POST", base + "/api/auth/login", json: ["email": "a\u{0}@example.com", "password": "whatever123"])
            #expect(nul.status == 422)
            #expect(((nul.json?["errors"] as? [[String: Any]])?.first?["field"] as? String) == "email")
            // Also when another member is a number with a fraction (found by schemathesis as a 500).
            let nulBesideFraction = try await send(client, "POST", base + "/api/auth/register", json: [
                "email": uniqueEmail(), "password": "correct horse battery", "name": "A\u{0}B", "extra": 1.3365634592913444e-98])
            #expect(nulBesideFraction.status == 422)
            #expect(((nulBesideFraction.json?["errors"] as? [[String: Any]])?.first?["field"] as? String) == "name")

            let email = uniqueEmail()
            #expect(try await send(client, "POST", base + "/api/auth/register",
                                   json: ["email": email, "password": "correct horse battery", "name": "A"]).status == 201)
            let duplicate = try await send(client, "POST", base + "/api/auth/register",
                                           json: ["email": email.uppercased(), "password": "another password", "name": "B"])
            #expect(duplicate.status == 409)
            #expect(duplicate.problemType == "/problems/email-taken")
            let wrongPassword = try await send(client, "POST", base + "/api/auth/login", json: ["email": email, "password": "another password"])
            #expect(wrongPassword.status == 401, "the duplicate sign-up did not change the password")
            let unknown = try await send(client, "POST", base + "/api/auth/login", json: ["email": uniqueEmail(), "password": "whatever123"])
            #expect(unknown.status == 401)
            #expect(unknown.problemType == wrongPassword.problemType, "unknown email and wrong password look the same")
        }
    }

    @Test("change password ends other sessions; a reset token travels as an identity event, works once, and answers nothing about unknown emails")
    func passwords() async throws {
        try await withServices(["gateway"], portOffset: 200) { client, suite in
            let base = suite.baseURL("gateway")
            let email = uniqueEmail()
            let registered = try await send(client, "POST", base + "/api/auth/register",
                                            json: ["email": email, "password": "first password 1", "name": "Thu"])
            let access = try #require(registered.json?["access_token"] as? String)
            let refresh = try #require(registered.json?["refresh_token"] as? String)
            let customerID = try #require((registered.json?["customer"] as? [String: Any])?["id"] as? String)
            let auth = ["Authorization": "Bearer \(access)"]

            let wrong = try await send(client, "POST", base + "/api/me/password",
                                       json: ["current_password": "not it at all", "new_password": "second password 2"], headers: auth)
            #expect(wrong.status == 422)
            #expect(wrong.problemType == "/problems/wrong-password")
            #expect(try await send(client, "POST", base + "/api/me/password",
                                   json: ["current_password": "first password 1", "new_password": "second password 2"], headers: auth).status == 204)
            #expect(try await send(client, "POST", base + "/api/auth/login", json: ["email": email, "password": "first password 1"]).status == 401)
            #expect(try await send(client, "POST", base + "/api/auth/login", json: ["email": email, "password": "second password 2"]).status == 200)
            #expect(try await send(client, "POST", base + "/api/auth/refresh", json: ["refresh_token": refresh]).status == 401,
                    "changing the password ended the earlier session")

            let unknown = try await send(client, "POST", base + "/api/auth/password-reset", json: ["email": uniqueEmail()])
            #expect(unknown.status == 202, "same answer for an email without an account")
            #expect(try await send(client, "POST", base + "/api/auth/password-reset", json: ["email": email.uppercased()]).status == 202)

            // Registering announces the account and asks for the address's verification; the reset is the third.
            let identityEvents = try await TopicReader.read(topic: suite.topicPrefix + Topic.identity, expected: 3)
                .map { try EventEnvelope.decode(Data($0.value)) }
            let registrations = identityEvents.filter { $0.type == CustomerRegistered.eventType && $0.subject == customerID }
            let announced = try registrations.first?.decodeData(CustomerRegistered.self)
            #expect(registrations.count == 1 && announced?.email == email && announced?.name == "Thu", "the account was announced once")
            let events = identityEvents.filter { $0.type == PasswordResetRequested.eventType }
            #expect(events.count == 1, "one event: only the real account gets a reset")
            let envelope = try #require(events.first)
            let reset = try envelope.decodeData(PasswordResetRequested.self)
            #expect(reset.customerId.description == customerID)
            #expect(reset.email == email)
            #expect(reset.expiresAt > Date().addingTimeInterval(25 * 60))

            let confirm: [String: Any] = ["token": reset.resetToken, "new_password": "third password 3"]
            #expect(try await send(client, "POST", base + "/api/auth/password-reset/confirm", json: confirm).status == 204)
            let again = try await send(client, "POST", base + "/api/auth/password-reset/confirm",
                                       json: ["token": reset.resetToken, "new_password": "fourth password 4"])
            #expect(again.status == 422, "single use")
            #expect(again.problemType == "/problems/invalid-reset-token")
            #expect(try await send(client, "POST", base + "/api/auth/login", json: ["email": email, "password": "third password 3"]).status == 200)
            #expect(try await send(client, "POST", base + "/api/auth/login", json: ["email": email, "password": "fourth password 4"]).status == 401)
        }
    }

    private func unverifiedClaims(_ token: String) async throws -> [String: Any] {
        let parts = token.split(separator: ".").map(String.init)
        return try JSONSerialization.jsonObject(with: TokenForgery.decode(parts[1])) as! [String: Any]
    }
}
