import AsyncHTTPClient
import Foundation
import ServiceKitTestKit
import Testing

/// Staff roles, blocking, and the identity services see, through the running gateway.
@Suite("Gateway: staff, roles and asserted identity", .serialized)
struct StaffAndAuthorizationTests {
    private func withSuite(_ services: [String], overrides: [String: String] = [:],
                           _ body: (HTTPClient, SuiteProcesses) async throws -> Void) async throws {
        try await withServices(services, portOffset: 300, overrides: overrides, body)
    }

    private func customerSession(_ client: HTTPClient, _ base: String) async throws -> (token: String, refresh: String, id: String, email: String) {
        let email = "shopper+\(UUID().uuidString.prefix(8).lowercased())@example.com"
        let answer = try await send(client, "POST", base + "/api/auth/register",
                                    json: ["email": email, "password": "correct horse battery", "name": "Hoa"])
        let json = try #require(answer.json)
        return (json["access_token"] as! String, json["refresh_token"] as! String,
                (json["customer"] as! [String: Any])["id"] as! String, email)
    }

    @Test("the bootstrap admin signs in; admin-only and staff-only routes refuse customers and staff; staff block and unblock customers")
    func rolesAndBlocking() async throws {
        try await withSuite(["gateway"]) { client, suite in
            let base = suite.baseURL("gateway")
            // README: the bootstrap admin's credentials come from BOOTSTRAP_ADMIN_EMAIL / _PASSWORD.
            let adminLogin = try await send(client, "POST", base + "/api/admin/auth/login",
                                            json: ["email": "admin@shop.local", "password": "admin-local-password"])
            #expect(adminLogin.status == 200)
            let admin = try #require(adminLogin.json?["access_token"] as? String)
            #expect((adminLogin.json?["staff"] as? [String: Any])?["role"] as? String == "admin")

            let customer = try await customerSession(client, base)
            let staffEmail = "clerk+\(UUID().uuidString.prefix(8).lowercased())@shop.local"
            let newStaff: [String: Any] = ["email": staffEmail, "password": "clerk password 1", "name": "Clerk", "role": "staff"]
            #expect(try await send(client, "POST", base + "/api/admin/staff", json: newStaff).status == 401)
            let byCustomer = try await send(client, "POST", base + "/api/admin/staff", json: newStaff,
                                            headers: ["Authorization": "Bearer \(customer.token)"])
            #expect(byCustomer.status == 403)
            #expect(byCustomer.problemType == "/problems/forbidden")
            #expect(try await send(client, "POST", base + "/api/admin/staff", json: newStaff,
                                   headers: ["Authorization": "Bearer \(admin)"]).status == 201)
            let staffLogin = try await send(client, "POST", base + "/api/admin/auth/login",
                                            json: ["email": staffEmail, "password": "clerk password 1"])
            let staff = try #require(staffLogin.json?["access_token"] as? String)
            let staffCreatingAdmin = try await send(client, "POST", base + "/api/admin/staff",
                                                    json: ["email": "x+\(UUID().uuidString.prefix(6))@shop.local", "password": "another pass",
                                                           "name": "X", "role": "admin"],
                                                    headers: ["Authorization": "Bearer \(staff)"])
            #expect(staffCreatingAdmin.status == 403, "role changes need admin")

            let blockURL = base + "/api/admin/customers/\(customer.id)/block"
            #expect(try await send(client, "POST", blockURL, json: ["reason": "fraud"],
                                   headers: ["Authorization": "Bearer \(customer.token)"]).status == 403)
            let noReason = try await send(client, "POST", blockURL, json: ["reason": ""], headers: ["Authorization": "Bearer \(staff)"])
            #expect(noReason.status == 422)
            let blocked = try await send(client, "POST", blockURL, json: ["reason": "chargeback fraud"],
                                         headers: ["Authorization": "Bearer \(staff)"])
            #expect(blocked.status == 200)
            #expect(blocked.json?["blocked"] as? Bool == true)
            let login = try await send(client, "POST", base + "/api/auth/login", json: ["email": customer.email, "password": "correct horse battery"])
            #expect(login.status == 403)
            #expect(login.problemType == "/problems/account-blocked")
            #expect(try await send(client, "POST", base + "/api/auth/refresh", json: ["refresh_token": customer.refresh]).status == 401,
                    "blocking ends existing sessions")
            #expect(try await send(client, "POST", base + "/api/admin/customers/\(customer.id)/unblock",
                                   headers: ["Authorization": "Bearer \(staff)"]).status == 200)
            #expect(try await send(client, "POST", base + "/api/auth/login",
                                   json: ["email": customer.email, "password": "correct horse battery"]).status == 200)
            let missing = try await send(client, "GET", base + "/api/admin/customers/\(UUID().uuidString)",
                                         headers: ["Authorization": "Bearer \(staff)"])
            #expect(missing.status == 404)
            #expect(missing.problemType == "/problems/not-found")
        }
    }

    @Test("order placements are limited per address per hour, however the path is written; a blocked customer cannot place an order with a token issued before the block")
    func placements() async throws {
        try await withSuite(["gateway", "checkout"], overrides: ["ORDER_PLACEMENTS_PER_HOUR": "3"]) { client, suite in
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            let customer = try await customerSession(client, base)
            #expect(try await send(client, "POST", base + "/api/admin/customers/\(customer.id)/block", json: ["reason": "chargebacks"],
                                   headers: ["Authorization": "Bearer \(admin)"]).status == 200)
            let me = try await send(client, "GET", base + "/api/me", headers: ["Authorization": "Bearer \(customer.token)"])
            #expect(me.status == 403, "a token issued before the block is refused on reads too")
            #expect(me.problemType == "/problems/account-blocked")
            let refused = try await send(client, "POST", base + "/api/checkout/checkouts", json: [:],
                                         headers: ["Authorization": "Bearer \(customer.token)"])
            #expect(refused.status == 403)
            #expect(refused.problemType == "/problems/account-blocked")
            // The path as the router reads it counts: slashes added do not slip past the limit.
            for path in ["/api/checkout/checkouts", "/api/checkout/checkouts/"] {
                let placement = try await send(client, "POST", base + path, json: [:])
                #expect(![403, 429].contains(placement.status), "within the limit the request reaches checkout")
            }
            let limited = try await send(client, "POST", base + "//api/checkout//checkouts", json: [:])
            #expect(limited.status == 429)
            #expect(limited.problemType == "/problems/rate-limited")
            let retryAfter = try #require(limited.header("Retry-After").flatMap(Int.init))
            #expect((60...3600).contains(retryAfter), "the next placement is possible when the hourly bucket refills: \(retryAfter)")
            let other = try await customerSession(client, base)
            #expect(try await send(client, "GET", base + "/api/me", headers: ["Authorization": "Bearer \(other.token)"]).status == 200,
                    "other routes are not limited by the placement limit")
        }
    }

    @Test("services see only the identity the gateway verified: spoofed X-Commerce headers are dropped, tokens are not forwarded")
    func assertedIdentity() async throws {
        try await withSuite(["gateway", "orders"]) { client, suite in
            let base = suite.baseURL("gateway")
            let spoofed = try await send(client, "GET", base + "/api/orders/whoami", headers: [
                "X-Commerce-Role": "admin", "X-Commerce-Staff-Id": UUID().uuidString, "X-Commerce-Customer-Id": UUID().uuidString])
            #expect(spoofed.status == 200)
            #expect(spoofed.json?["role"] as? String == "guest")
            #expect(spoofed.json?["staff_id"] == nil)
            #expect(spoofed.json?["customer_id"] == nil)

            let customer = try await customerSession(client, base)
            let asCustomer = try await send(client, "GET", base + "/api/orders/whoami", headers: [
                "Authorization": "Bearer \(customer.token)", "X-Commerce-Customer-Id": UUID().uuidString])
            #expect(asCustomer.json?["role"] as? String == "customer")
            #expect(asCustomer.json?["customer_id"] as? String == customer.id, "the token's customer, not the spoofed header's")

            let forged = try await send(client, "GET", base + "/api/orders/whoami", headers: ["Authorization": "Bearer not.a.token"])
            #expect(forged.status == 401, "a bad token is refused at the gateway, never forwarded")
        }
    }

    @Test("a burst over the per-address limit gets 429 with Retry-After; health stays reachable; an oversized body gets 413")
    func limits() async throws {
        try await withSuite(["gateway"], overrides: ["RATE_LIMIT_PER_MINUTE": "5"]) { client, suite in
            let base = suite.baseURL("gateway")
            var statuses: [UInt] = []
            for _ in 0..<8 {
                statuses.append(try await send(client, "POST", base + "/api/auth/login",
                                               json: ["email": "nobody@example.com", "password": "whatever123"]).status)
            }
            #expect(statuses.prefix(5).allSatisfy { $0 == 401 }, "the first five are answered: \(statuses)")
            #expect(statuses.suffix(3).allSatisfy { $0 == 429 }, "the rest are limited: \(statuses)")
            let limited = try await send(client, "GET", base + "/api/me")
            #expect(limited.status == 429)
            #expect(limited.problemType == "/problems/rate-limited")
            let retryAfter = try #require(limited.header("Retry-After").flatMap(Int.init))
            #expect((1...60).contains(retryAfter))
            #expect(try await get(client, base + "/health/ready").status == 200, "health is not limited")
        }
        try await withSuite(["gateway"]) { client, suite in
            let big = String(repeating: "x", count: 2 * 1024 * 1024)
            let answer = try await send(client, "POST", suite.baseURL("gateway") + "/api/auth/register",
                                        json: ["email": "big@example.com", "password": "correct horse battery", "name": big])
            #expect(answer.status == 413)
            #expect(answer.contentType == "application/problem+json")
            let forwarded = try await send(client, "POST", suite.baseURL("gateway") + "/api/orders/probes", json: ["note": big])
            #expect(forwarded.status == 413, "the gateway refuses it before forwarding")
        }
    }

    @Test("CORS: a configured storefront origin gets its preflight and headers, errors included; others are refused")
    func cors() async throws {
        try await withSuite(["gateway"], overrides: ["CORS_ALLOWED_ORIGINS": "https://shop.example"]) { client, suite in
            let base = suite.baseURL("gateway")
            let preflight = try await send(client, "OPTIONS", base + "/api/auth/login", headers: [
                "Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type"])
            #expect(preflight.status == 204)
            #expect(preflight.header("Access-Control-Allow-Origin") == "https://shop.example")
            #expect(preflight.header("Access-Control-Allow-Headers")?.contains("Authorization") == true)
            let error = try await send(client, "GET", base + "/api/me", headers: ["Origin": "https://shop.example"])
            #expect(error.status == 401)
            #expect(error.header("Access-Control-Allow-Origin") == "https://shop.example", "the storefront can read the problem")
            let foreign = try await send(client, "OPTIONS", base + "/api/auth/login", headers: [
                "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"])
            #expect(foreign.status == 403)
            #expect(foreign.header("Access-Control-Allow-Origin") == nil)
            let foreignGet = try await send(client, "GET", base + "/api/me", headers: ["Origin": "https://evil.example"])
            #expect(foreignGet.header("Access-Control-Allow-Origin") == nil)
        }
    }
}
