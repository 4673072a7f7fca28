import AsyncHTTPClient
import Foundation
import ServiceKitTestKit
import Testing

// A shop as the end-to-end suites set it up through the gateway: products, customers, carts
// and checkouts, the way a storefront and shop staff make them.

func unique(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }
func minor(_ value: Any?) -> Int? { (value as? [String: Any])?["minor_units"] as? Int }

/// A published product with one variant of `stock` units at `price` VND; returns the variant id.
func product(_ client: HTTPClient, _ base: String, admin: String, stock: Int, price: Int) async throws -> String {
    let staff = ["Authorization": "Bearer \(admin)"]
    let created = try await send(client, "POST", base + "/api/catalog/admin/products", json: [
        "slug": unique("tea"), "title": "Trà sen",
        "variants": [["sku": unique("TEA"), "price": ["minor_units": price, "currency": "VND"], "on_hand": stock]],
    ], headers: staff)
    let id = try #require(created.json?["id"] as? String, "product created: \(String(decoding: created.body, as: UTF8.self))")
    _ = try await send(client, "POST", base + "/api/catalog/admin/products/\(id)/publish", headers: staff)
    return try #require((created.json?["variants"] as? [[String: Any]])?.first?["id"] as? String)
}

/// A signed-in customer's headers (a new account, with `email` when given).
func customer(_ client: HTTPClient, _ base: String, email: String? = nil, name: String = "Lan",
              headersFor store: [String: String] = [:]) async throws -> [String: String] {
    let answer = try await send(client, "POST", base + "/api/auth/register", json: [
        "email": email ?? "\(unique("buyer"))@example.com", "password": "correct horse battery", "name": name], headers: store)
    return ["Authorization": "Bearer \(try #require(answer.json?["access_token"] as? String))"]
}

/// The customer's cart holding `quantity` of `variant`; returns its id and version.
func cart(_ client: HTTPClient, _ base: String, _ who: [String: String], variant: String, quantity: Int) async throws -> (String, Int) {
    try await cart(client, base, who, lines: [(variant, quantity)])
}

/// The customer's cart holding `lines` (variant, quantity); returns its id and version.
func cart(_ client: HTTPClient, _ base: String, _ who: [String: String], lines: [(String, Int)]) async throws -> (String, Int) {
    let opened = try await send(client, "POST", base + "/api/catalog/carts", headers: who)
    let id = try #require(opened.json?["id"] as? String)
    var version = 0
    for (variant, quantity) in lines {
        let added = try await send(client, "POST", base + "/api/catalog/carts/\(id)/lines", json: ["variant_id": variant, "quantity": quantity],
                                   headers: who)
        #expect(added.status == 200)
        version = try #require(added.json?["version"] as? Int)
    }
    return (id, version)
}

/// A guest's cart holding `quantity` of `variant`: the guest's headers (its cart token) and
/// the cart's id and version.
func guestCart(_ client: HTTPClient, _ base: String, variant: String, quantity: Int) async throws -> (who: [String: String], cart: (String, Int)) {
    let opened = try await send(client, "POST", base + "/api/catalog/carts")
    let who = ["X-Cart-Token": try #require(opened.json?["cart_token"] as? String)]
    let id = try #require(opened.json?["id"] as? String)
    let added = try await send(client, "POST", base + "/api/catalog/carts/\(id)/lines", json: ["variant_id": variant, "quantity": quantity], headers: who)
    return (who, (id, try #require(added.json?["version"] as? Int)))
}

/// A bank transfer as SePay reports it to the payments listener (at `store`'s address, or the
/// original store's).
func sepay(_ client: HTTPClient, _ suite: SuiteProcesses, id: Int = Int.random(in: 1...1 << 40), content: String, amount: Int,
           key: String = SuiteProcesses.sepayAPIKey, store: String? = nil) async throws -> Answer {
    let path = store.map { "/stores/\($0)/webhooks/sepay" } ?? "/webhooks/sepay"
    return try await send(client, "POST", "http://127.0.0.1:\(suite.paymentsWebhookPort)\(path)", json: [
        "id": id, "gateway": "Vietcombank", "transactionDate": "2026-11-22 10:15:00", "accountNumber": "0011001234567",
        "code": NSNull(), "content": content, "transferType": "in", "transferAmount": amount, "accumulated": amount,
        "subAccount": NSNull(), "referenceCode": "FT\(id)", "description": "",
    ], headers: ["Authorization": "Apikey \(key)"])
}

/// What reached the tests' SMTP server (`smtp_sink.py`), and how many messages it refused.
func inbox(_ client: HTTPClient, _ suite: SuiteProcesses) async throws -> (received: [[String: Any]], refused: Int) {
    let answer = try await get(client, "http://127.0.0.1:\(suite.smtpInboxPort)/_received").json ?? [:]
    return (answer["received"] as? [[String: Any]] ?? [], answer["refused"] as? Int ?? 0)
}

/// The email of `kind` that reached the SMTP server for `address`, waiting up to 20 s for it
/// (and for the sink, started just before, to listen: it makes its TLS certificate first).
func mail(_ client: HTTPClient, _ suite: SuiteProcesses, to address: String, kind: String) async throws -> [String: Any]? {
    var found: [String: Any]?
    _ = try await waitUntil(timeout: .seconds(20)) {
        found = (try? await inbox(client, suite))?.received.first {
            ($0["rcpt_tos"] as? [String])?.contains(address) == true && $0["kind"] as? String == kind
        }
        return found != nil
    }
    return found
}

func order(cart: (String, Int), method: String, email: String = "lan@example.com") -> [String: Any] {
    ["cart_id": cart.0, "cart_version": cart.1, "payment_method": method,
     "contact": ["name": "Nguyễn Thị Lan", "email": email, "phone": "+84 912 345 678"],
     "shipping_address": ["country": "VN", "line1": "12 Lý Thái Tổ", "ward": "Phường Hàng Trống", "district": "Quận Hoàn Kiếm",
                          "province": "Hà Nội"]]
}

/// Places a checkout and waits (`Prefer: wait=10`) for its outcome, as a storefront does:
/// it retries while checkout has not yet seen the cart (`cart-not-ready`, right after
/// start), and when the saga is still running after the wait (a loaded machine), it asks
/// again with `GET` and the same preference. How fast the outcome comes is measured by the
/// order benchmark, not here: the whole test run on two cores (some 60 services at once) has
/// taken most of a minute for one checkout, so the helper gives it two.
func checkOut(_ client: HTTPClient, _ base: String, _ who: [String: String], _ body: [String: Any],
                      key: String = UUID().uuidString) async throws -> Answer {
    var answer: Answer
    let deadline = ContinuousClock.now + .seconds(120)
    repeat {
        answer = try await send(client, "POST", base + "/api/checkout/checkouts", json: body,
                                headers: who.merging(["Idempotency-Key": key, "Prefer": "wait=10"]) { $1 })
        guard answer.problemType == "/problems/cart-not-ready" else { break }
        try await Task.sleep(for: .milliseconds(300))
    } while ContinuousClock.now < deadline
    let running: Set<String> = ["open", "submitted", "reserved"]
    while answer.status == 202, let status = answer.json?["status"] as? String, running.contains(status),
          let id = answer.json?["id"] as? String, ContinuousClock.now < deadline {
        let latest = try await send(client, "GET", base + "/api/checkout/checkouts/\(id)", headers: who.merging(["Prefer": "wait=10"]) { $1 })
        guard latest.status == 200 else { return latest }
        answer.body = latest.body
    }
    return answer
}

/// An order as staff see it, with its timeline.
func orderDetail(_ client: HTTPClient, _ base: String, admin: String, _ id: String) async throws -> [String: Any] {
    try #require(try await send(client, "GET", base + "/api/orders/admin/orders/\(id)", headers: ["Authorization": "Bearer \(admin)"]).json)
}
