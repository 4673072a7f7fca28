import AsyncHTTPClient
import Crypto
import Foundation
import ServiceKitTestKit
import Testing

/// A gateway run as in production: no development switch, its own key set, no admin password.
@Suite("Gateway: outside local development", .serialized)
struct ProductionModeTests {
    static let offset = 1560
    /// The key that signs in this run, and the tests' usual key as the previous one of a rotation.
    static let signing = Curve25519.Signing.PrivateKey()
    static var keySet: String { "prod-2:\(TokenForgery.encode(signing.rawRepresentation)),\(SuiteProcesses.jwtKeys)" }

    @Test("no default admin: the first admin is invited by a link printed once; old built-in, retired and unknown keys are refused; the rotated set verifies both keys")
    func firstAdminAndKeys() async throws {
        let overrides = ["LOCAL_DEVELOPMENT": "false", "JWT_KEYS": Self.keySet, "BOOTSTRAP_ADMIN_PASSWORD": ""]
        try await withServices(["gateway"], portOffset: Self.offset, overrides: overrides) { client, suite in
            let base = suite.baseURL("gateway")
            let ready = try await send(client, "GET", base + "/health/ready")
            #expect(ready.json?["mode"] as? String == "production")
            #expect(ready.json?["warning"] == nil)
            let log = suite.log(of: "gateway")
            #expect(!log.contains("LOCAL DEVELOPMENT MODE"))

            let local = try await send(client, "POST", base + "/api/admin/auth/login",
                                       json: ["email": "admin@shop.local", "password": "admin-local-password"])
            #expect(local.status == 401, "the local development password opens nothing here")

            let match = try #require(log.firstMatch(of: /"token": "([A-Za-z0-9_-]{43})"/), "the invitation is printed: \(log.suffix(1500))")
            let token = String(match.1)
            #expect(log.components(separatedBy: token).count == 2, "printed once, and never logged elsewhere")
            let short = try await send(client, "POST", base + "/api/admin/auth/accept-invitation", json: ["token": token, "password": "short"])
            #expect(short.status == 422)
            let accepted = try await send(client, "POST", base + "/api/admin/auth/accept-invitation",
                                          json: ["token": token, "password": "a long admin password"])
            #expect(accepted.status == 200)
            let session = try #require(accepted.json)
            let admin = try #require(session["access_token"] as? String)
            let adminID = try #require((session["staff"] as? [String: Any])?["id"] as? String)
            #expect((session["staff"] as? [String: Any])?["role"] as? String == "admin")
            let again = try await send(client, "POST", base + "/api/admin/auth/accept-invitation",
                                       json: ["token": token, "password": "another admin password"])
            #expect(again.status == 401)
            #expect(again.problemType == "/problems/invalid-invitation")
            #expect(try await send(client, "POST", base + "/api/admin/auth/login",
                                   json: ["email": "admin@shop.local", "password": "a long admin password"]).status == 200)

            let staffList = base + "/api/admin/staff"
            let header = String(admin.split(separator: ".")[0])
            let kid = try #require((try JSONSerialization.jsonObject(with: TokenForgery.decode(header)) as? [String: Any])?["kid"] as? String)
            #expect(kid == "prod-2", "tokens are signed with the newest key")
            #expect(try await send(client, "GET", staffList, headers: ["Authorization": "Bearer \(admin)"]).status == 200)
            let claims = TokenForgery.claims(subject: adminID, role: "admin")
            let previous = TokenForgery.eddsa(claims)
            #expect(try await send(client, "GET", staffList, headers: ["Authorization": "Bearer \(previous)"]).status == 200,
                    "a token of the previous key still verifies while it is in the set")
            for (name, forged) in [
                ("HS256 with the former built-in key", TokenForgery.hs256(claims, secret: TokenForgery.formerBuiltInSecret)),
                ("a retired key", TokenForgery.eddsa(claims, kid: "prod-1", key: Curve25519.Signing.PrivateKey())),
                ("an unknown kid over a known key", TokenForgery.eddsa(claims, kid: "prod-3", key: Self.signing)),
                ("no kid", TokenForgery.eddsa(claims, kid: nil, key: Self.signing)),
            ] {
                let answer = try await send(client, "GET", staffList, headers: ["Authorization": "Bearer \(forged)"])
                #expect(answer.status == 401, "\(name)")
            }
        }
    }

    /// The token printed in the gateway's log (its latest start).
    private func invitation(in suite: SuiteProcesses) throws -> String {
        let log = suite.log(of: "gateway")
        return String(try #require(log.firstMatch(of: /"token": "([A-Za-z0-9_-]{43})"/), "an invitation is printed: \(log.suffix(1500))").1)
    }

    private func restartGateway(_ suite: SuiteProcesses, _ client: HTTPClient, overrides: [String: String]) async throws {
        await suite.stop("gateway")
        try await suite.start("gateway", overrides: overrides)
        try await waitUntilReady("gateway", of: suite, client)
    }

    @Test("each start while no admin accepted prints another invitation and accepting one voids all; a hash given later voids them too; htpasswd's $2y$ hashes sign in")
    func invitationsAcrossRestarts() async throws {
        let invite = ["LOCAL_DEVELOPMENT": "false", "JWT_KEYS": Self.keySet, "BOOTSTRAP_ADMIN_PASSWORD": ""]
        try await withServices(["gateway"], portOffset: Self.offset + 20, overrides: invite) { client, suite in
            let base = suite.baseURL("gateway")
            let first = try invitation(in: suite)
            try await restartGateway(suite, client, overrides: invite)
            let second = try invitation(in: suite)
            #expect(first != second, "a start makes another invitation")
            let accepted = try await send(client, "POST", base + "/api/admin/auth/accept-invitation",
                                          json: ["token": second, "password": "a long admin password"])
            #expect(accepted.status == 200, "the later invitation works")
            let earlier = try await send(client, "POST", base + "/api/admin/auth/accept-invitation",
                                         json: ["token": first, "password": "an attacker's password"])
            #expect(earlier.status == 401, "accepting one voided the earlier one")
            #expect(try await send(client, "POST", base + "/api/admin/auth/login",
                                   json: ["email": "admin@shop.local", "password": "a long admin password"]).status == 200)
        }
        // `htpasswd -bnBC 4 '' 'a long admin password'` writes $2y$; the same hash as crypt(3)'s $2b$.
        let htpasswd = "$2y$04$4/Tz0AKtP5rChwDI/oQX8.XKlteZqgJt9k2WVpE1kGBBjOCxES5kK"
        try await withServices(["gateway"], portOffset: Self.offset + 20, overrides: invite) { client, suite in
            let base = suite.baseURL("gateway")
            let printed = try invitation(in: suite)
            try await restartGateway(suite, client, overrides: invite.merging(["BOOTSTRAP_ADMIN_PASSWORD_HASH": htpasswd]) { $1 })
            #expect(!suite.log(of: "gateway").contains("accept-invitation"), "no invitation once the admin has a password")
            #expect(try await send(client, "POST", base + "/api/admin/auth/login",
                                   json: ["email": "admin@shop.local", "password": "a long admin password"]).status == 200)
            let late = try await send(client, "POST", base + "/api/admin/auth/accept-invitation",
                                      json: ["token": printed, "password": "an attacker's password"])
            #expect(late.status == 401, "the invitation printed before the hash was given opens nothing")
            #expect(try await send(client, "POST", base + "/api/admin/auth/login",
                                   json: ["email": "admin@shop.local", "password": "a long admin password"]).status == 200,
                    "and the admin's password is still theirs")
        }
    }
}
