import AsyncHTTPClient
import Foundation
import ServiceKitTestKit
import Testing

/// Buy Now through the gateway: a checkout for variants named directly, without a cart,
/// through the same saga as a cart's, followed by a guest with the access token it was given.
@Suite("Buy Now through the gateway", .serialized)
struct BuyNowTests {
    static let services = ["catalog", "checkout", "orders", "payments", "gateway"]

    /// A guest's own secret for a checkout without a cart.
    private static func secret() -> String { (UUID().uuidString + UUID().uuidString).replacingOccurrences(of: "-", with: "") }

    private func buyNow(_ items: [[String: Any]], method: String = "cod") -> [String: Any] {
        ["items": items, "payment_method": method,
         "contact": ["name": "Trần Văn Minh", "email": "minh@example.com", "phone": "0987654321"],
         "shipping_address": ["country": "VN", "line1": "5 Nguyễn Huệ", "ward": "Phường Sài Gòn", "province": "Thành phố Hồ Chí Minh"]]
    }

    @Test("a guest buys a variant now without a cart: priced by the catalog, reserved and ordered, its billing address and note kept on the order; followed with the guest's own secret, 404 without; another guest's replay of the key learns nothing; what is not on sale, digital goods by cash on delivery and an archived product are refused naming the field")
    func guestBuysNow() async throws {
        try await withServices(Self.services, portOffset: 1460, overrides: ["ORDER_PLACEMENTS_PER_HOUR": "100000"]) { client, suite in
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            let staff = ["Authorization": "Bearer \(admin)"]
            let created = try await send(client, "POST", base + "/api/catalog/admin/products", json: [
                "slug": unique("lotus"), "title": "Lotus tea",
                "variants": [["sku": unique("LT-S"), "title": "Small tin", "price": ["minor_units": 120_000, "currency": "VND"], "on_hand": 5],
                             ["sku": unique("LT-E"), "title": "Brewing guide", "price": ["minor_units": 30_000, "currency": "VND"], "on_hand": 50,
                              "digital_file": "guides/lotus.pdf"]],
            ], headers: staff)
            let productID = try #require(created.json?["id"] as? String, "\(String(decoding: created.body, as: UTF8.self))")
            let variants = try #require(created.json?["variants"] as? [[String: Any]])
            let (tin, guide) = (try #require(variants[0]["id"] as? String), try #require(variants[1]["id"] as? String))

            // A draft is not on sale: checkout has never heard of it.
            let draft = try await send(client, "POST", base + "/api/checkout/checkouts", json: buyNow([["variant_id": tin, "quantity": 1]]),
                                       headers: ["Idempotency-Key": UUID().uuidString, "X-Checkout-Token": Self.secret()])
            #expect(draft.status == 422 && draft.fieldErrors == ["items[0].variant_id"], "\(draft.text)")
            // A guest buys with a secret of their own; without one, or with a short one, nothing is placed.
            for weak in [nil, "guess"] as [String?] {
                let refused = try await send(client, "POST", base + "/api/checkout/checkouts", json: buyNow([["variant_id": tin, "quantity": 1]]),
                                             headers: ["Idempotency-Key": UUID().uuidString].merging(weak.map { ["X-Checkout-Token": $0] } ?? [:]) { $1 })
                #expect(refused.status == 422 && refused.fieldErrors == ["X-Checkout-Token"], "\(refused.text)")
            }

            _ = try await send(client, "POST", base + "/api/catalog/admin/products/\(productID)/publish", headers: staff)
            // Published, it reaches checkout's copy of what is on sale within moments.
            var bought: Answer?
            var withBilling = buyNow([["variant_id": tin, "quantity": 2]])
            withBilling["billing_address"] = ["country": "VN", "line1": "88 Đồng Khởi", "ward": "Phường Sài Gòn", "province": "Thành phố Hồ Chí Minh"]
            withBilling["customer_note"] = "Giao giờ hành chính"
            let token = Self.secret()
            let key = UUID().uuidString
            _ = try await waitUntil(timeout: .seconds(30)) {
                let answer = try await checkOut(client, base, ["X-Checkout-Token": token], withBilling, key: key)
                bought = answer
                return answer.status != 422
            }
            let placed = try #require(bought)
            #expect(placed.status == 202, "\(placed.text)")
            #expect(placed.json?["status"] as? String == "completed" && placed.json?["cart_id"] == nil, "\(placed.text)")
            #expect(minor((placed.json?["price"] as? [String: Any])?["subtotal"]) == 240_000, "the catalog's price, twice")
            let number = try #require(placed.json?["order_number"] as? String)
            let checkoutID = try #require(placed.json?["id"] as? String)
            // Another guest replaying the same key learns nothing: keys are scoped by the guest's secret.
            let replayed = try await checkOut(client, base, ["X-Checkout-Token": Self.secret()], withBilling, key: key)
            #expect(replayed.header("Idempotent-Replayed") == nil && replayed.json?["id"] as? String != checkoutID
                    && replayed.json?["status"] as? String == "completed", "another guest's own checkout: \(replayed.text)")

            // The guest follows it with the token; nobody else sees it.
            let followed = try await send(client, "GET", base + "/api/checkout/checkouts/\(checkoutID)", headers: ["X-Checkout-Token": token])
            #expect(followed.status == 200 && followed.json?["order_number"] as? String == number)
            let stranger = try await send(client, "GET", base + "/api/checkout/checkouts/\(checkoutID)", headers: ["X-Checkout-Token": "guess"])
            #expect(stranger.status == 404)
            #expect(try await get(client, base + "/api/checkout/checkouts/\(checkoutID)").status == 404)

            // The order holds the catalog's lines; the stock left is 1 (two guests took two each).
            let orders = try await send(client, "GET", base + "/api/orders/admin/orders?q=\(number)", headers: staff)
            let order = try #require((orders.json?["items"] as? [[String: Any]])?.first, "\(orders.text)")
            #expect((order["lines"] as? [[String: Any]])?.first?["quantity"] as? Int == 2)
            #expect((order["billing_address"] as? [String: Any])?["line1"] as? String == "88 Đồng Khởi"
                    && (order["shipping_address"] as? [String: Any])?["line1"] as? String == "5 Nguyễn Huệ", "the invoice address apart from the goods'")
            #expect(order["customer_note"] as? String == "Giao giờ hành chính")
            let stock = try await send(client, "GET", base + "/api/catalog/admin/variants/\(tin)/stock", headers: staff)
            #expect((stock.json?["level"] as? [String: Any])?["available"] as? Int == 1, "\(stock.text)")

            // A billing address is checked as a shipping address is, and named as billing.
            var badBilling = buyNow([["variant_id": tin, "quantity": 1]])
            badBilling["billing_address"] = ["country": "VN", "line1": "1 Phố Huế", "ward": "Phường Sài Gòn", "province": "Hà Nội"]
            let refusedBilling = try await send(client, "POST", base + "/api/checkout/checkouts", json: badBilling,
                                                headers: ["Idempotency-Key": UUID().uuidString, "X-Checkout-Token": Self.secret()])
            #expect(refusedBilling.status == 422 && refusedBilling.fieldErrors == ["billing_address.ward"], "\(refusedBilling.text)")

            // Digital goods are not paid on delivery; an unknown variant is named.
            let digital = try await send(client, "POST", base + "/api/checkout/checkouts", json: buyNow([["variant_id": guide, "quantity": 1]]),
                                         headers: ["Idempotency-Key": UUID().uuidString, "X-Checkout-Token": Self.secret()])
            #expect(digital.status == 422 && digital.fieldErrors == ["payment_method"], "\(digital.text)")
            let unknown = try await send(client, "POST", base + "/api/checkout/checkouts",
                                         json: buyNow([["variant_id": tin, "quantity": 1], ["variant_id": UUID().uuidString, "quantity": 1]]),
                                         headers: ["Idempotency-Key": UUID().uuidString, "X-Checkout-Token": Self.secret()])
            #expect(unknown.status == 422 && unknown.fieldErrors == ["items[1].variant_id"], "\(unknown.text)")

            // More than is in stock: the catalog refuses it as it would a cart's.
            let short = try await checkOut(client, base, ["X-Checkout-Token": Self.secret()], buyNow([["variant_id": tin, "quantity": 2]]))
            #expect(short.json?["status"] as? String == "rejected" && short.json?["problem"] as? String == "out_of_stock", "\(short.text)")

            // Archived, the product leaves checkout's copy too.
            _ = try await send(client, "POST", base + "/api/catalog/admin/products/\(productID)/archive", headers: staff)
            let gone = try await waitUntil(timeout: .seconds(30)) {
                let answer = try await send(client, "POST", base + "/api/checkout/checkouts", json: buyNow([["variant_id": tin, "quantity": 1]]),
                                            headers: ["Idempotency-Key": UUID().uuidString, "X-Checkout-Token": Self.secret()])
                return answer.status == 422 && answer.fieldErrors == ["items[0].variant_id"]
            }
            #expect(gone, "an archived product is no longer bought")
        }
    }
}
