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

            let snapshots = try await suite.events(on: "catalog.events", type: CartUpdated.eventType, subject: cartID, count: 6)
            let versions = try snapshots.map { try $0.decodeData(CartUpdated.self).version }
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
            #expect(try abandoned.first?.decodeData(CartAbandoned.self).lines.first?.variantId == variant)
            try await Task.sleep(for: .seconds(3))
            #expect(try await suite.events(on: "catalog.events", type: CartAbandoned.eventType, subject: cartID, timeout: .seconds(2)).count == 1)
            #expect(try await suite.events(on: "catalog.events", type: CartAbandoned.eventType, subject: empty, timeout: .seconds(2)).isEmpty,
                    "an empty cart is not abandoned")
        }
    }
}
