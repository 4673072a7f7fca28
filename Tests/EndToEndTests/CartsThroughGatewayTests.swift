import AsyncHTTPClient
import EventContracts
import Foundation
import ServiceKitTestKit
import Testing

/// Server-side carts through the gateway: guest and customer carts, prices that refresh,
/// stock limits, merging at sign-in, ownership, snapshots and abandonment.
@Suite("Carts through the gateway", .serialized)
struct CartsThroughGatewayTests {
    private func unique(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    /// A published product with one variant of `stock` units at `price` VND; returns the variant id.
    private func product(_ client: HTTPClient, _ base: String, admin: String, stock: Int, price: Int) async throws -> String {
        let staff = ["Authorization": "Bearer \(admin)"]
        let created = try await send(client, "POST", base + "/api/catalog/admin/products", json: [
            "slug": unique("mug"), "title": "Mug",
            "variants": [["sku": unique("MUG"), "price": ["minor_units": price, "currency": "VND"], "on_hand": stock]],
        ], headers: staff)
        let id = try #require(created.json?["id"] as? String)
        _ = try await send(client, "POST", base + "/api/catalog/admin/products/\(id)/publish", headers: staff)
        return try #require((created.json?["variants"] as? [[String: Any]])?.first?["id"] as? String)
    }

    private func customer(_ client: HTTPClient, _ base: String) async throws -> String {
        let answer = try await send(client, "POST", base + "/api/auth/register", json: [
            "email": "\(unique("cart"))@example.com", "password": "correct horse battery", "name": "Linh"])
        return try #require(answer.json?["access_token"] as? String)
    }

    private func lines(_ answer: Answer) -> [[String: Any]] { answer.json?["lines"] as? [[String: Any]] ?? [] }
    private func minor(_ value: Any?) -> Int? { (value as? [String: Any])?["minor_units"] as? Int }

    @Test("a guest cart: token-only access, server prices, stock limits, price changes flagged once, remove and clear")
    func guestCart() async throws {
        try await withServices(["catalog", "gateway"], portOffset: 600) { client, suite in
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            let variant = try await product(client, base, admin: admin, stock: 5, price: 65_000)

            let opened = try await send(client, "POST", base + "/api/catalog/carts")
            #expect(opened.status == 201)
            let cartID = try #require(opened.json?["id"] as? String)
            let token = try #require(opened.json?["cart_token"] as? String)
            let mine = ["X-Cart-Token": token]
            let cartURL = base + "/api/catalog/carts/\(cartID)"

            let added = try await send(client, "POST", cartURL + "/lines",
                                       json: ["variant_id": variant, "quantity": 2, "unit_price": 1, "total": 1], headers: mine)
            #expect(added.status == 200)
            #expect(minor(lines(added).first?["unit_price"]) == 65_000, "the client's price is ignored")
            #expect(minor(added.json?["subtotal"]) == 130_000 && added.json?["item_count"] as? Int == 2)

            #expect(try await get(client, cartURL).status == 404, "no token, no cart")
            #expect(try await send(client, "GET", cartURL, headers: ["X-Cart-Token": "guess"]).status == 404)
            let stranger = try await customer(client, base)
            #expect(try await send(client, "GET", cartURL, headers: ["Authorization": "Bearer \(stranger)"]).status == 404,
                    "someone else's cart id gives 404")
            #expect(try await send(client, "POST", cartURL + "/lines", json: ["variant_id": variant, "quantity": 1],
                                   headers: ["Authorization": "Bearer \(stranger)"]).status == 404)

            let tooMany = try await send(client, "POST", cartURL + "/lines", json: ["variant_id": variant, "quantity": 4], headers: mine)
            #expect(tooMany.status == 409 && tooMany.problemType == "/problems/insufficient-stock")
            #expect((tooMany.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "quantity")
            let zero = try await send(client, "POST", cartURL + "/lines", json: ["variant_id": variant, "quantity": 0], headers: mine)
            #expect(zero.status == 422)
            let unknown = try await send(client, "POST", cartURL + "/lines", json: ["variant_id": UUID().uuidString, "quantity": 1], headers: mine)
            #expect(unknown.status == 422 && (unknown.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "variant_id")
            #expect(lines(try await send(client, "GET", cartURL, headers: mine)).first?["quantity"] as? Int == 2, "refusals changed nothing")

            _ = try await send(client, "PATCH", base + "/api/catalog/admin/variants/\(variant)",
                               json: ["price": ["minor_units": 59_000, "currency": "VND"]], headers: ["Authorization": "Bearer \(admin)"])
            let repriced = try await send(client, "GET", cartURL, headers: mine)
            #expect(lines(repriced).first?["price_changed"] as? Bool == true)
            #expect(minor(lines(repriced).first?["previous_unit_price"]) == 65_000 && minor(lines(repriced).first?["unit_price"]) == 59_000)
            #expect(minor(repriced.json?["subtotal"]) == 118_000)
            let seen = try await send(client, "GET", cartURL, headers: mine)
            #expect(lines(seen).first?["price_changed"] as? Bool == false, "the change is shown once")

            let removed = try await send(client, "PATCH", cartURL + "/lines/\(variant)", json: ["quantity": 0], headers: mine)
            #expect(lines(removed).isEmpty && removed.json?["item_count"] as? Int == 0)
            _ = try await send(client, "POST", cartURL + "/lines", json: ["variant_id": variant, "quantity": 1], headers: mine)
            let cleared = try await send(client, "DELETE", cartURL + "/lines", headers: mine)
            #expect(lines(cleared).isEmpty)

            // Five changes: add, the price refresh on read, remove, add, clear (refusals change nothing).
            let snapshots = try await suite.events(on: "catalog.events", type: CartUpdated.eventType, subject: cartID, count: 5)
            let versions = try snapshots.map { try $0.decodeData(CartUpdated.self).version }
            #expect(versions.count == 5, "one snapshot per change: \(versions)")
            #expect(versions == versions.sorted() && Set(versions).count == versions.count, "each change publishes a newer snapshot: \(versions)")
            #expect(try snapshots.last?.decodeData(CartUpdated.self).lines.isEmpty == true)
        }
    }

    @Test("a customer has one cart; at sign-in the guest cart merges into it capped at availability and is retired")
    func mergeAtSignIn() async throws {
        try await withServices(["catalog", "gateway"], portOffset: 600) { client, suite in
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            let variant = try await product(client, base, admin: admin, stock: 4, price: 30_000)
            let other = try await product(client, base, admin: admin, stock: 9, price: 12_000)
            let token = try await customer(client, base)
            let auth = ["Authorization": "Bearer \(token)"]

            let first = try await send(client, "POST", base + "/api/catalog/carts", headers: auth)
            let again = try await send(client, "POST", base + "/api/catalog/carts", headers: auth)
            #expect(first.status == 201 && again.status == 200)
            let cartID = try #require(first.json?["id"] as? String)
            #expect(again.json?["id"] as? String == cartID && first.json?["cart_token"] == nil, "one cart per customer, no token needed")
            _ = try await send(client, "POST", base + "/api/catalog/carts/\(cartID)/lines", json: ["variant_id": variant, "quantity": 2], headers: auth)

            let guest = try await send(client, "POST", base + "/api/catalog/carts")
            let guestID = try #require(guest.json?["id"] as? String)
            let guestToken = try #require(guest.json?["cart_token"] as? String)
            for (id, quantity) in [(variant, 3), (other, 1)] {
                _ = try await send(client, "POST", base + "/api/catalog/carts/\(guestID)/lines", json: ["variant_id": id, "quantity": quantity],
                                   headers: ["X-Cart-Token": guestToken])
            }
            let wrongToken = try await send(client, "POST", base + "/api/catalog/carts/\(cartID)/merge",
                                            json: ["guest_cart_id": guestID, "guest_cart_token": "nope"], headers: auth)
            #expect(wrongToken.status == 404)
            let merged = try await send(client, "POST", base + "/api/catalog/carts/\(cartID)/merge",
                                        json: ["guest_cart_id": guestID, "guest_cart_token": guestToken], headers: auth)
            #expect(merged.status == 200)
            let quantities = Dictionary(uniqueKeysWithValues: lines(merged).map { ($0["variant_id"] as! String, $0["quantity"] as! Int) })
            #expect(quantities == [variant: 4, other: 1], "2 + 3 capped at the 4 available; the other line moved over")
            let retired = try await send(client, "POST", base + "/api/catalog/carts/\(guestID)/lines",
                                         json: ["variant_id": other, "quantity": 1], headers: ["X-Cart-Token": guestToken])
            #expect(retired.status == 409 && retired.problemType == "/problems/cart-closed")
            let snapshot = try #require(try await suite.events(on: "catalog.events", type: CartUpdated.eventType, subject: guestID, count: 3).last)
            #expect(try snapshot.decodeData(CartUpdated.self).status == "merged")
        }
    }

    @Test("vouchers: staff create and deactivate them; a cart validates a code with a named reason, applies it and shows the discount")
    func vouchers() async throws {
        try await withServices(["catalog", "gateway"], portOffset: 600) { client, suite in
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            let staff = ["Authorization": "Bearer \(admin)"]
            let variant = try await product(client, base, admin: admin, stock: 10, price: 200_000)
            let code = "SALE\(UUID().uuidString.prefix(6))"
            let created = try await send(client, "POST", base + "/api/catalog/admin/vouchers", json: [
                "code": code, "kind": "percentage", "percent": 10, "minimum_subtotal": ["minor_units": 300_000, "currency": "VND"],
                "maximum_discount": ["minor_units": 50_000, "currency": "VND"], "usage_limit": 100, "per_customer_limit": 1,
                "used_count": 99,
            ], headers: staff)
            #expect(created.status == 201, "\(String(decoding: created.body, as: UTF8.self))")
            #expect(created.json?["used_count"] as? Int == 0, "usage cannot be set by the client")
            let voucherID = try #require(created.json?["id"] as? String)
            let duplicate = try await send(client, "POST", base + "/api/catalog/admin/vouchers",
                                           json: ["code": code.lowercased(), "kind": "fixed", "amount": ["minor_units": 1000, "currency": "VND"]],
                                           headers: staff)
            #expect(duplicate.status == 409, "codes ignore case")
            let invalid = try await send(client, "POST", base + "/api/catalog/admin/vouchers",
                                         json: ["code": "x", "kind": "percentage", "percent": 150, "ends_at": "tomorrow",
                                                "maximum_discount": ["minor_units": 0, "currency": "VND"]], headers: staff)
            #expect(invalid.status == 422)
            #expect(Set(((invalid.json?["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String })
                    == ["code", "percent", "ends_at", "maximum_discount.minor_units"], "found by schemathesis as a 500 first")
            let future = "LATER\(UUID().uuidString.prefix(6))"
            _ = try await send(client, "POST", base + "/api/catalog/admin/vouchers",
                               json: ["code": future, "kind": "fixed", "amount": ["minor_units": 10_000, "currency": "VND"],
                                      "starts_at": "2099-01-01T00:00:00Z"], headers: staff)

            let opened = try await send(client, "POST", base + "/api/catalog/carts")
            let cartURL = base + "/api/catalog/carts/\(try #require(opened.json?["id"] as? String))"
            let mine = ["X-Cart-Token": try #require(opened.json?["cart_token"] as? String)]
            _ = try await send(client, "POST", cartURL + "/lines", json: ["variant_id": variant, "quantity": 1], headers: mine)
            func check(_ code: String) async throws -> [String: Any] {
                try #require(try await send(client, "POST", cartURL + "/voucher/validate", json: ["code": code], headers: mine).json)
            }
            #expect(try await check("NOPE-\(UUID().uuidString.prefix(4))")["reason"] as? String == "unknown")
            #expect(try await check(code)["reason"] as? String == "below_minimum")
            #expect(try await check(future)["reason"] as? String == "not_started")
            let refused = try await send(client, "PUT", cartURL + "/voucher", json: ["code": code], headers: mine)
            #expect(refused.status == 422 && refused.problemType == "/problems/voucher-not-applicable")

            _ = try await send(client, "PATCH", cartURL + "/lines/\(variant)", json: ["quantity": 4], headers: mine)
            let valid = try await check(code.lowercased())
            #expect(valid["valid"] as? Bool == true && minor(valid["discount"]) == 50_000, "10 % of 800,000 capped at 50,000")
            let applied = try await send(client, "PUT", cartURL + "/voucher", json: ["code": code.lowercased()], headers: mine)
            #expect(applied.status == 200)
            #expect((applied.json?["voucher"] as? [String: Any])?["code"] as? String == code)
            #expect(minor(applied.json?["discount"]) == 50_000 && minor(applied.json?["total"]) == 750_000)

            _ = try await send(client, "POST", base + "/api/catalog/admin/vouchers/\(voucherID)/deactivate", headers: staff)
            let after = try await send(client, "GET", cartURL, headers: mine)
            #expect((after.json?["voucher"] as? [String: Any])?["reason"] as? String == "inactive", "the cart says why its voucher stopped")
            #expect(minor(after.json?["total"]) == 800_000)
            let removed = try await send(client, "DELETE", cartURL + "/voucher", headers: mine)
            #expect(removed.json?["voucher"] == nil)

            let list = try await send(client, "GET", base + "/api/catalog/admin/vouchers", headers: staff)
            #expect(((list.body.isEmpty ? nil : try? JSONSerialization.jsonObject(with: list.body)) as? [[String: Any]])?
                .contains { $0["id"] as? String == voucherID && $0["used_count"] as? Int == 0 && $0["active"] as? Bool == false } == true)
            let shopper = try await customer(client, base)
            #expect(try await send(client, "GET", base + "/api/catalog/admin/vouchers", headers: ["Authorization": "Bearer \(shopper)"]).status == 403)
        }
    }

    @Test("a cart with goods left untouched is announced as abandoned, once")
    func abandonment() async throws {
        try await withServices(["catalog", "gateway"], portOffset: 600,
                               overrides: ["CART_ABANDON_AFTER_SECONDS": "2", "CART_SCAN_SECONDS": "1"]) { client, suite in
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            let variant = try await product(client, base, admin: admin, stock: 3, price: 10_000)
            let opened = try await send(client, "POST", base + "/api/catalog/carts")
            let cartID = try #require(opened.json?["id"] as? String)
            let token = try #require(opened.json?["cart_token"] as? String)
            _ = try await send(client, "POST", base + "/api/catalog/carts/\(cartID)/lines", json: ["variant_id": variant, "quantity": 1],
                               headers: ["X-Cart-Token": token])
            let empty = try #require(try await send(client, "POST", base + "/api/catalog/carts").json?["id"] as? String)
            let abandoned = try await suite.events(on: "catalog.events", type: CartAbandoned.eventType, subject: cartID)
            #expect(try abandoned.first?.decodeData(CartAbandoned.self).lines.first?.variantId.description == variant)
            try await Task.sleep(for: .seconds(3))
            #expect(try await suite.events(on: "catalog.events", type: CartAbandoned.eventType, subject: cartID, count: 2,
                                           timeout: .seconds(5)).count == 1, "announced once, over every pass of the topic")
            #expect(try await suite.events(on: "catalog.events", type: CartAbandoned.eventType, subject: empty, timeout: .seconds(2)).isEmpty,
                    "an empty cart is not abandoned")
        }
    }
}
