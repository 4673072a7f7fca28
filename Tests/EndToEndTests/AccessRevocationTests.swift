import AsyncHTTPClient
import Foundation
import ServiceKitTestKit
import Testing

/// A token is only as good as its account: staff removed, blocked or demoted, and blocked
/// customers, lose what their tokens opened within seconds, not when the tokens expire.
@Suite("Gateway: tokens follow their accounts", .serialized)
struct AccessRevocationTests {
    static let offset = 940

    private func bearer(_ token: String) -> [String: String] { ["Authorization": "Bearer \(token)"] }

    private func createStaff(_ client: HTTPClient, _ base: String, admin: String, role: String) async throws -> (id: String, email: String, token: String) {
        let email = "\(role)+\(UUID().uuidString.prefix(8).lowercased())@shop.local"
        let created = try await send(client, "POST", base + "/api/admin/staff",
                                     json: ["email": email, "password": "staff password 1", "name": "Member", "role": role], headers: bearer(admin))
        #expect(created.status == 201)
        let id = try #require(created.json?["id"] as? String)
        let login = try await send(client, "POST", base + "/api/admin/auth/login", json: ["email": email, "password": "staff password 1"])
        #expect(login.status == 200)
        return (id, email, try #require(login.json?["access_token"] as? String))
    }

    /// Waits (up to `seconds`) until `url` answers `status` with `token`.
    private func answers(_ client: HTTPClient, _ url: String, _ token: String, _ status: UInt, within seconds: Int) async throws -> Bool {
        try await waitUntil(timeout: .seconds(seconds)) {
            try await send(client, "GET", url, headers: bearer(token)).status == status
        }
    }

    @Test("staff demoted, blocked or removed while holding a token lose its rights within seconds; the shop keeps one admin")
    func staffChanges() async throws {
        try await withServices(["gateway", "orders"], portOffset: Self.offset) { client, suite in
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            let deputy = try await createStaff(client, base, admin: admin, role: "admin")
            let clerk = try await createStaff(client, base, admin: admin, role: "staff")
            let staffList = base + "/api/admin/staff"
            let orders = base + "/api/orders/admin/orders?page_size=1"
            #expect(try await send(client, "GET", staffList, headers: bearer(deputy.token)).status == 200)
            #expect(try await send(client, "GET", orders, headers: bearer(clerk.token)).status == 200)

            // Demoted: the token still says admin; the account says staff.
            let demoted = try await send(client, "PATCH", staffList + "/\(deputy.id)", json: ["role": "staff"], headers: bearer(admin))
            #expect(demoted.status == 200)
            #expect(demoted.json?["role"] as? String == "staff")
            #expect(try await answers(client, staffList, deputy.token, 403, within: 6), "a demoted admin's token no longer opens admin routes")
            #expect(try await send(client, "GET", orders, headers: bearer(deputy.token)).status == 200, "it still opens staff routes")

            // Blocked: refused everywhere, and cannot sign in; unblocked: back.
            let blocked = try await send(client, "POST", staffList + "/\(clerk.id)/block", headers: bearer(admin))
            #expect(blocked.json?["status"] as? String == "blocked")
            #expect(try await answers(client, orders, clerk.token, 403, within: 6))
            let refusedForwarded = try await send(client, "GET", orders, headers: bearer(clerk.token))
            #expect(refusedForwarded.problemType == "/problems/account-blocked")
            let blockedLogin = try await send(client, "POST", base + "/api/admin/auth/login", json: ["email": clerk.email, "password": "staff password 1"])
            #expect(blockedLogin.status == 403)
            #expect(try await send(client, "POST", staffList + "/\(clerk.id)/unblock", headers: bearer(admin)).status == 200)
            #expect(try await answers(client, orders, clerk.token, 200, within: 6))

            // Blocked behind this gateway's back (as another gateway replica would): within the check interval.
            try await suite.runSQL(in: "gateway", "UPDATE staff_users SET blocked_at = now() WHERE id = '\(clerk.id)'")
            #expect(try await answers(client, orders, clerk.token, 403, within: 8), "another instance's change takes effect within seconds")

            // Removed: the token is worth nothing, the email is free again, the list no longer shows them.
            #expect(try await send(client, "DELETE", staffList + "/\(deputy.id)", headers: bearer(admin)).status == 204)
            #expect(try await answers(client, orders, deputy.token, 401, within: 6))
            #expect(try await send(client, "POST", base + "/api/admin/auth/login",
                                   json: ["email": deputy.email, "password": "staff password 1"]).status == 401)
            #expect(try await send(client, "DELETE", staffList + "/\(deputy.id)", headers: bearer(admin)).status == 404)
            let listed = try await send(client, "GET", staffList, headers: bearer(admin))
            let emails = ((listed.json?["items"] as? [[String: Any]]) ?? []).compactMap { $0["email"] as? String }
            #expect(emails.contains("admin@shop.local") && emails.contains(clerk.email) && !emails.contains(deputy.email))
            #expect(try await send(client, "POST", staffList, json: ["email": deputy.email, "password": "staff password 2", "name": "Again", "role": "staff"],
                                   headers: bearer(admin)).status == 201)

            // The last active admin cannot be blocked, demoted or removed; nothing changes.
            let me = try #require(((listed.json?["items"] as? [[String: Any]]) ?? []).first { $0["email"] as? String == "admin@shop.local" }?["id"] as? String)
            for (method, path, body) in [("POST", "/\(me)/block", nil), ("PATCH", "/\(me)", ["role": "staff"]), ("DELETE", "/\(me)", nil)] as [(String, String, [String: Any]?)] {
                let refused = try await send(client, method, staffList + path, json: body, headers: bearer(admin))
                #expect(refused.status == 409, "\(method) \(path)")
                #expect(refused.problemType == "/problems/last-admin")
            }
            #expect(try await send(client, "GET", staffList, headers: bearer(admin)).status == 200, "the admin is still an admin")

            // Bad input and the wrong callers.
            let badRole = try await send(client, "PATCH", staffList + "/\(clerk.id)", json: ["role": "owner", "name": ""], headers: bearer(admin))
            #expect(badRole.status == 422)
            let fields = Set(((badRole.json?["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String })
            #expect(fields == ["role", "name"])
            #expect(try await send(client, "PATCH", staffList + "/\(UUID().uuidString)", json: ["role": "staff"], headers: bearer(admin)).status == 404)
            #expect(try await send(client, "PATCH", staffList + "/\(clerk.id)", json: ["role": "admin"], headers: bearer(deputy.token)).status == 401)
        }
    }

    @Test("a blocked customer's token is refused on reads too, also when another gateway instance blocked them")
    func blockedCustomers() async throws {
        try await withServices(["gateway", "orders"], portOffset: Self.offset) { client, suite in
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            let registered = try await send(client, "POST", base + "/api/auth/register", json: [
                "email": "reader+\(UUID().uuidString.prefix(8).lowercased())@example.com", "password": "correct horse battery", "name": "Reader"])
            let token = try #require(registered.json?["access_token"] as? String)
            let id = try #require((registered.json?["customer"] as? [String: Any])?["id"] as? String)
            let reads = [base + "/api/me", base + "/api/orders/orders"]
            for url in reads { #expect(try await send(client, "GET", url, headers: bearer(token)).status == 200, "\(url)") }

            #expect(try await send(client, "POST", base + "/api/admin/customers/\(id)/block", json: ["reason": "fraud"], headers: bearer(admin)).status == 200)
            for url in reads {
                let refused = try await send(client, "GET", url, headers: bearer(token))
                #expect(refused.status == 403, "\(url)")
                #expect(refused.problemType == "/problems/account-blocked")
            }
            #expect(try await send(client, "POST", base + "/api/admin/customers/\(id)/unblock", headers: bearer(admin)).status == 200)
            for url in reads { #expect(try await send(client, "GET", url, headers: bearer(token)).status == 200, "\(url)") }

            try await suite.runSQL(in: "gateway", "UPDATE customers SET blocked_at = now() WHERE id = '\(id)'")
            #expect(try await answers(client, base + "/api/orders/orders", token, 403, within: 8))
            #expect(try await send(client, "GET", base + "/api/me", headers: bearer(token)).status == 403)
        }
    }
}
