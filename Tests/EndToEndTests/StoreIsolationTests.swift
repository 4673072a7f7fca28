import AsyncHTTPClient
import EventContracts
import Foundation
import ServiceKitTestKit
import Testing

/// Two stores side by side, with every service running: store B's staff walk every staff
/// and admin operation the OpenAPI document lists, with store A's ids, and get 404 for each;
/// B's lists show none of A's rows; A's things are unchanged afterwards; a cart of A cannot be
/// checked out in B.
@Suite("Stores: one store's staff and shoppers never reach another's data", .serialized)
struct StoreIsolationTests {
    static let services = ["gateway", "catalog", "checkout", "payments", "orders", "fulfillment"]

    /// Two stores, and a walk of some 150 requests (or a dozen placements) from one address
    /// within a minute or two: the gateway's per-address limits (their own tests cover them)
    /// would answer part of it 429.
    static let overrides = ["WEBHOOK_ALLOW_PRIVATE_URLS": "true", "RATE_LIMIT_PER_MINUTE": "100000",
                            "RATE_LIMIT_CUSTOMER_PER_MINUTE": "100000", "ORDER_PLACEMENTS_PER_HOUR": "100000"]

    /// What store A has, by the resource an operation's `{id}` names.
    struct StoreAData {
        var ids: [String: String] = [:]
        var all: [String] { Array(ids.values) }
    }

    @Test("store B's admin gets 404 for every id of store A on every staff and admin operation, and no list shows A's rows; A's data is unchanged; A's cart cannot be checked out in B")
    func storesAreIsolated() async throws {
        try await withServices(Self.services, portOffset: 1340, overrides: Self.overrides) { client, suite in
            let base = suite.baseURL("gateway")
            let platform = ["Authorization": "Bearer \(try await adminToken(client, gateway: base))"]

            // Store B, open, with an admin who works there only.
            let (storeB, keyB) = try await Self.openStore(client, base, platform, timeZone: "America/New_York")
            let inB = platform.merging(["X-Store-Id": storeB]) { $1 }
            #expect(try await send(client, "POST", base + "/api/admin/staff", json: [
                "email": "admin-b@example.com", "password": "admin-b-password", "name": "Admin B", "role": "admin",
            ], headers: inB).status == 201)
            let login = try await send(client, "POST", base + "/api/admin/auth/login",
                                       json: ["email": "admin-b@example.com", "password": "admin-b-password"])
            let adminB = ["Authorization": "Bearer \(try #require(login.json?["access_token"] as? String))", "X-Store-Id": storeB]

            let data = try await Self.storeA(client, base: base, suite: suite, platform: platform)

            // A's category cannot hold B's product: references stay within a store too.
            let categoryOfA = try await send(client, "POST", base + "/api/catalog/admin/categories",
                                             json: ["slug": unique("tra"), "name": "Trà"], headers: platform)
            let categoryA = try #require(categoryOfA.json?["id"] as? String)
            let borrowed = try await send(client, "POST", base + "/api/catalog/admin/products", json: [
                "slug": unique("borrowed"), "title": "In A's category", "category_id": categoryA,
                "variants": [["sku": unique("BRW"), "price": ["minor_units": 1_000, "currency": "USD"], "on_hand": 1]],
            ], headers: adminB)
            #expect(borrowed.status == 422, "B's product in A's category: \(String(decoding: borrowed.body, as: UTF8.self))")
            #expect((borrowed.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "category_id")
            let subcategory = try await send(client, "POST", base + "/api/catalog/admin/categories",
                                             json: ["slug": unique("sub"), "name": "Sub", "parent_id": categoryA], headers: adminB)
            #expect(subcategory.status == 422, "B's category under A's")

            // B may use A's slug and SKU: keys are unique within a store.
            let sameKeys = try await send(client, "POST", base + "/api/catalog/admin/products", json: [
                "slug": data.ids["slug"]!, "title": "B's own",
                "variants": [["sku": data.ids["sku"]!, "price": ["minor_units": 1_500, "currency": "USD"], "on_hand": 3]],
            ], headers: adminB)
            #expect(sameKeys.status == 201, "B reuses A's slug and SKU: \(String(decoding: sameKeys.body, as: UTF8.self))")
            let productOfB = try #require(sameKeys.json?["id"] as? String)

            let document = try #require(try await get(client, base + "/openapi.json").json)
            let components = (document["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]
            var walked = 0
            var listed = 0
            for (path, item) in (document["paths"] as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
                for (method, value) in (item as? [String: Any] ?? [:]) {
                    guard let operation = value as? [String: Any], let access = operation["x-access"] as? String,
                          access == "staff" || access == "admin" else { continue }
                    let url = base + path
                    let body = Self.body(for: "\(method.uppercased()) \(path)") ?? Self.example(Self.requestSchema(operation, components), components)
                    if path.contains("{") {
                        let filled = try #require(Self.fill(path, with: data), "no id of store A for \(method.uppercased()) \(path)")
                        let answer = try await send(client, method.uppercased(), base + filled, json: body ?? (method == "get" ? nil : [:]),
                                                    headers: method == "get" ? adminB : adminB.merging(["Idempotency-Key": UUID().uuidString]) { $1 })
                        #expect(answer.status == 404, "\(method.uppercased()) \(path) as B's admin with A's id: \(answer.status) \(String(decoding: answer.body.prefix(300), as: UTF8.self))")
                        walked += 1
                    } else if method == "get" {
                        let answer = try await send(client, "GET", url, headers: adminB)
                        let text = String(decoding: answer.body, as: UTF8.self)
                        for (name, id) in data.ids where UUID(uuidString: id) != nil {
                            #expect(!text.contains(id), "GET \(path) in B shows A's \(name) \(id)")
                        }
                        listed += 1
                    }
                }
            }
            #expect(walked >= 35, "the walk covered the operations that take an id (\(walked))")
            #expect(listed >= 10, "and the lists (\(listed))")
            #expect(try await send(client, "GET", base + "/api/catalog/admin/products/\(productOfB)", headers: adminB).status == 200,
                    "B's admin reads B's own product")

            // The operators' tools and pipeline probes see every store: platform operators only.
            for path in ["/api/orders/admin/dead-letters", "/api/payments/admin/reconciliation", "/api/catalog/admin/operator-actions"] {
                #expect(try await send(client, "GET", base + path, headers: adminB).status == 403, "\(path) is for platform operators")
            }
            #expect(try await send(client, "POST", base + "/api/catalog/probes", json: ["note": "b"], headers: adminB).status == 403)

            // Nothing of A changed.
            let staffA = ["Authorization": platform["Authorization"]!]
            let product = try await send(client, "GET", base + "/api/catalog/admin/products/\(data.ids["products"]!)", headers: staffA)
            #expect(product.json?["status"] as? String == "published")
            #expect(product.json?["title"] as? String == "Trà sen A")
            let orderOfA = try await send(client, "GET", base + "/api/orders/admin/orders/\(data.ids["orders"]!)", headers: staffA)
            #expect(orderOfA.json?["status"] as? String == data.ids["order-status"])
            let voucher = try await send(client, "GET", base + "/api/catalog/admin/vouchers", headers: staffA)
            let vouchers = voucher.json?["items"] as? [[String: Any]] ?? voucher.jsonArray ?? []
            #expect(vouchers.first { $0["id"] as? String == data.ids["vouchers"] }?["active"] as? Bool == true)
            let endpoint = try await send(client, "GET", base + "/api/fulfillment/admin/webhooks/endpoints/\(data.ids["endpoints"]!)", headers: staffA)
            #expect(endpoint.json?["active"] as? Bool == true)
            let shopper = try await send(client, "GET", base + "/api/admin/customers/\(data.ids["customers"]!)", headers: staffA)
            #expect(shopper.json?["blocked"] as? Bool != true)

            // A's cart, with its token, is no cart in B.
            let cartA = data.ids["carts"]!
            let guest = ["X-Cart-Token": data.ids["cart-token"]!]
            #expect(try await send(client, "GET", base + "/api/catalog/carts/\(cartA)", headers: guest.merging(["X-Store-Key": keyB]) { $1 }).status == 404)
            let version = Int(data.ids["cart-version"]!)!
            let attempt = try await send(client, "POST", base + "/api/checkout/checkouts", json: order(cart: (cartA, version), method: "cod"),
                                         headers: guest.merging(["X-Store-Key": keyB, "Idempotency-Key": UUID().uuidString]) { $1 })
            #expect((400..<500).contains(attempt.status), "A's cart checked out in B: \(attempt.status)")
            #expect(attempt.json?["order_id"] == nil)
        }
    }

    /// Bodies for operations whose rule the schema cannot say (one of several optional fields).
    static func body(for operation: String) -> [String: Any]? {
        switch operation {
        case "POST /api/fulfillment/admin/shipments/{id}/tracking": ["carrier": "GHN", "tracking_number": "GHN123"]
        default: nil
        }
    }

    @Test("two stores sell side by side: each counts its own order numbers with its own prefix and day, in its own currency, into its own bank and card accounts; a provider's notice pays only at its store's address, with its store's key")
    func storesSellSideBySide() async throws {
        try await withServices(Self.services, portOffset: 1360, overrides: Self.overrides) { client, suite in
            let provider = try SuiteProcesses.startTool("card_provider.py", [String(suite.cardProviderPort), SuiteProcesses.cardSecretKey])
            defer { SuiteProcesses.stopTool(provider) }
            let base = suite.baseURL("gateway")
            let platform = ["Authorization": "Bearer \(try await adminToken(client, gateway: base))"]
            // Store B keeps the clock of Honolulu: its day starts ten hours after UTC's, the
            // original store's (Asia/Ho_Chi_Minh) seven hours before.
            let (storeB, keyB) = try await Self.openStore(client, base, platform, timeZone: "Pacific/Honolulu")
            let inB = platform.merging(["X-Store-Id": storeB]) { $1 }
            let shopperB = ["X-Store-Key": keyB]

            let variantA = try await product(client, base, admin: String(platform["Authorization"]!.dropFirst(7)), stock: 10, price: 150_000)
            let productB = try await send(client, "POST", base + "/api/catalog/admin/products", json: [
                "slug": unique("mug"), "title": "Mug",
                "variants": [["sku": unique("MUG"), "price": ["minor_units": 1_250, "currency": "USD"], "on_hand": 10]],
            ], headers: inB)
            let productOfB = try #require(productB.json?["id"] as? String)
            let variantB = try #require((productB.json?["variants"] as? [[String: Any]])?.first?["id"] as? String)
            #expect(try await send(client, "POST", base + "/api/catalog/admin/products/\(productOfB)/publish", headers: inB).status == 200)

            // Cash on delivery in each store.
            let buyerA = try await customer(client, base)
            let placedA = try await checkOut(client, base, buyerA, order(cart: try await cart(client, base, buyerA, variant: variantA, quantity: 1), method: "cod"))
            let buyerB = try await customer(client, base, email: "\(unique("amy"))@example.com", headersFor: shopperB)
            let cartB = try await cart(client, base, buyerB.merging(shopperB) { $1 }, variant: variantB, quantity: 2)
            let placedB = try await checkOut(client, base, buyerB.merging(shopperB) { $1 }, order(cart: cartB, method: "cod"))
            let numberA = try #require(placedA.json?["order_number"] as? String, "\(String(decoding: placedA.body, as: UTF8.self))")
            let numberB = try #require(placedB.json?["order_number"] as? String, "\(String(decoding: placedB.body, as: UTF8.self))")
            let day = DateFormatter()
            day.dateFormat = "yyyyMMdd"
            day.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")
            #expect(numberA.hasPrefix("SHOP-\(day.string(from: Date()))-"))
            day.timeZone = TimeZone(identifier: "Pacific/Honolulu")
            #expect(numberB == "BSHOP-\(day.string(from: Date()))-0001", "store B counts its own numbers, on its own day")
            #expect(minor((placedB.json?["price"] as? [String: Any])?["total"]) != nil)
            #expect(((placedB.json?["price"] as? [String: Any])?["total"] as? [String: Any])?["currency"] as? String == "USD")
            // Store B's emails are written in its language, under its name.
            let orderB = try #require(placedB.json?["order_id"] as? String)
            var confirmation: [String: Any]?
            #expect(try await waitUntil(timeout: .seconds(20)) {
                confirmation = (try await send(client, "GET", base + "/api/fulfillment/admin/emails?order_id=\(orderB)", headers: inB)
                    .json?["items"] as? [[String: Any]])?.first { $0["kind"] as? String == "order_confirmation" }
                return confirmation != nil
            })
            #expect(confirmation?["language"] as? String == "en" && confirmation?["subject"] as? String == "Order \(numberB) received",
                    "\(confirmation ?? [:])")

            let shopB = buyerB.merging(shopperB) { $1 }
            // Store B has no payment accounts yet: its money goes nowhere else, so a transfer
            // cannot be offered.
            let before = try await send(client, "GET", base + "/api/payments/admin/payment-accounts", headers: inB)
            #expect(before.json?["bank_account_number"] == nil && before.json?["card_secret_key_set"] as? Bool == false)
            #expect(before.json?["sepay_webhook_path"] as? String == "/stores/\(storeB)/webhooks/sepay")
            let unconfigured = try await checkOut(client, base, shopB,
                                                  order(cart: try await cart(client, base, shopB, variant: variantB, quantity: 1), method: "bank_transfer"))
            #expect(unconfigured.json?["status"] as? String == "failed", "\(String(decoding: unconfigured.body, as: UTF8.self))")
            #expect((unconfigured.json?["payment"] as? [String: Any])?["bank_account"] == nil)

            // B's admin sets B's own accounts; secrets are never shown back.
            let invalid = try await send(client, "PUT", base + "/api/payments/admin/payment-accounts", json: [
                "bank_bin": "97", "bank_account_number": "12ab", "card_secret_key": "pk_live_wrong_kind_of_key", "card_webhook_secret": "short",
            ], headers: inB)
            #expect(invalid.status == 422)
            #expect(Set((invalid.json?["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
                    == ["bank_bin", "bank_account_number", "bank_account_name", "card_secret_key", "card_webhook_secret"])
            let keys = ["sepay": "sepay-key-of-store-b-0001", "card": "sk_test_acct_store_b_0001", "hook": "whsec_store_b_signing_0001"]
            let set = try await send(client, "PUT", base + "/api/payments/admin/payment-accounts", json: [
                "bank_bin": "970415", "bank_account_number": "1029384756", "bank_account_name": "STORE B LLC",
                "sepay_api_key": keys["sepay"]!, "card_secret_key": keys["card"]!, "card_webhook_secret": keys["hook"]!,
            ], headers: inB)
            #expect(set.status == 200, "\(String(decoding: set.body, as: UTF8.self))")
            #expect(set.json?["card_secret_key_set"] as? Bool == true && set.json?["sepay_api_key_set"] as? Bool == true)
            let shown = String(decoding: try await send(client, "GET", base + "/api/payments/admin/payment-accounts", headers: inB).body, as: UTF8.self)
            #expect(!keys.values.contains { shown.contains($0) }, "no secret is shown back")
            let originalAccounts = try await send(client, "GET", base + "/api/payments/admin/payment-accounts", headers: platform)
            #expect(originalAccounts.json?["bank_account_number"] as? String == "0011001234567", "the original store keeps the deployment's account")

            // B's sales rules: it started from the deployment's; its admin sets its own, which
            // price B's next checkout and leave the original store's as they were.
            let started = try await send(client, "GET", base + "/api/checkout/admin/sales-rules", headers: inB)
            #expect((started.json?["shipping"] as? [[String: Any]])?.first { $0["currency"] as? String == "USD" } != nil
                    && started.json?["payment_window_seconds"] as? Int == 900, "\(String(decoding: started.body, as: UTF8.self))")
            let wrongRules = try await send(client, "PUT", base + "/api/checkout/admin/sales-rules", json: [
                "shipping": [["currency": "USD", "tiers": [["from": 500, "fee": 100]]]], "tax": [], "payment_window_seconds": 5,
            ], headers: inB)
            #expect(wrongRules.status == 422 && Set((wrongRules.json?["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
                    == ["shipping[0].tiers", "payment_window_seconds"], "\(String(decoding: wrongRules.body, as: UTF8.self))")
            let noDollars = try await send(client, "PUT", base + "/api/checkout/admin/sales-rules", json: [
                "shipping": [["currency": "VND", "tiers": [["from": 0, "fee": 30_000]]]], "tax": [], "payment_window_seconds": 900,
            ], headers: inB)
            #expect(noDollars.status == 422 && (noDollars.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "shipping",
                    "B sells in dollars, so its rules must ship in dollars")
            let rulesB: [String: Any] = ["payment_methods": ["bank_transfer", "card"], "shipping": [["currency": "USD", "tiers": [["from": 0, "fee": 1_500]]]],
                                         "tax": [["country": "VN", "basis_points": 500, "inclusive": false]], "payment_window_seconds": 1_800]
            let setRules = try await send(client, "PUT", base + "/api/checkout/admin/sales-rules", json: rulesB, headers: inB)
            #expect(setRules.status == 200 && setRules.json?["payment_window_seconds"] as? Int == 1_800,
                    "\(String(decoding: setRules.body, as: UTF8.self))")
            let cashInB = try await send(client, "POST", base + "/api/checkout/checkouts",
                                         json: order(cart: try await cart(client, base, shopB, variant: variantB, quantity: 1), method: "cod"),
                                         headers: shopB.merging(["Idempotency-Key": UUID().uuidString]) { $1 })
            #expect(cashInB.status == 422 && (cashInB.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "payment_method",
                    "B no longer takes cash on delivery: \(String(decoding: cashInB.body, as: UTF8.self))")
            let rulesA = try await send(client, "GET", base + "/api/checkout/admin/sales-rules", headers: platform)
            #expect(rulesA.json?["payment_window_seconds"] as? Int == 900 && (rulesA.json?["payment_methods"] as? [String])?.contains("cod") == true
                    && (rulesA.json?["tax"] as? [[String: Any]])?.first?["basis_points"] as? Int == 1_000, "the original store's are the deployment's")

            // B's admins choose random order numbers: nothing in them tells how many orders B takes.
            let randomNumbers = try await send(client, "PUT", base + "/api/admin/store/settings", json: [
                "name": "Store B", "language": "en", "time_zone": "Pacific/Honolulu", "order_numbers": "random",
            ], headers: inB)
            #expect(randomNumbers.status == 200 && (randomNumbers.json?["settings"] as? [String: Any])?["order_numbers"] as? String == "random",
                    "\(randomNumbers.text)")
            #expect(try await waitUntil(timeout: .seconds(30)) {
                (try? await suite.runSQL(in: "orders", """
                    DO $$ BEGIN
                        IF NOT EXISTS (SELECT 1 FROM store_settings WHERE store_id = '\(storeB)' AND settings->>'order_numbers' = 'random')
                        THEN RAISE EXCEPTION 'not yet'; END IF;
                    END $$
                    """)) != nil
            }, "orders has the change")
            try await Task.sleep(for: .seconds(1))

            // A bank transfer for store B's next order, priced by B's rules: B's account, paid
            // only at B's address with B's key.
            let transfer = try await checkOut(client, base, shopB, order(cart: try await cart(client, base, shopB, variant: variantB, quantity: 1),
                                                                          method: "bank_transfer"))
            let priceB = transfer.json?["price"] as? [String: Any]
            let goodsB = try #require(minor(priceB?["subtotal"]))
            let taxB = (goodsB * 5 + 50) / 100
            #expect(goodsB % 1_250 == 0 && minor(priceB?["shipping"]) == 1_500 && minor(priceB?["tax"]) == taxB
                    && priceB?["tax_inclusive"] as? Bool == false && minor(priceB?["total"]) == goodsB + 1_500 + taxB,
                    "B's flat shipping and 5 % tax on top: \(priceB ?? [:])")
            let dueBy = try #require((transfer.json?["payment_due_by"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
            #expect(abs(dueBy.timeIntervalSinceNow - 1_800) < 120, "B's 30-minute payment window: \(dueBy)")
            let numberB2 = try #require(transfer.json?["order_number"] as? String, "\(String(decoding: transfer.body, as: UTF8.self))")
            #expect(numberB2.wholeMatch(of: /BSHOP-[0-9A-HJKMNP-TV-Z]{8}/) != nil, "a random number: \(numberB2)")
            let orderB2 = try #require(transfer.json?["order_id"] as? String)
            let total = try #require(minor((transfer.json?["price"] as? [String: Any])?["total"]))
            let payment = transfer.json?["payment"] as? [String: Any]
            #expect(payment?["bank_account"] as? String == "1029384756" && payment?["bank_bin"] as? String == "970415")
            let content = try #require(payment?["transfer_content"] as? String)
            #expect(try await sepay(client, suite, content: content, amount: total).status == 200, "reported at the original store's address")
            #expect(try await sepay(client, suite, content: content, amount: total, store: storeB).status == 401,
                    "B's address with the deployment's key")
            try await Task.sleep(for: .seconds(1))
            let unpaid = try await send(client, "GET", base + "/api/orders/admin/orders/\(orderB2)", headers: inB)
            #expect(unpaid.json?["payment_status"] as? String == "unpaid", "neither paid B's order")
            #expect(try await sepay(client, suite, content: content, amount: total, key: keys["sepay"]!, store: storeB).status == 200)
            #expect(try await waitUntil(timeout: .seconds(20)) {
                try await send(client, "GET", base + "/api/orders/admin/orders/\(orderB2)", headers: inB).json?["payment_status"] as? String == "paid"
            }, "paid at store B's address with B's key")
            #expect(try await sepay(client, suite, content: content, amount: total, store: UUID().uuidString.lowercased()).status == 404,
                    "an address naming no store")

            // A card payment in B: opened in B's provider account, settled by a webhook B's secret signs, at B's address.
            let byCard = try await checkOut(client, base, shopB, order(cart: try await cart(client, base, shopB, variant: variantB, quantity: 1),
                                                                        method: "card"))
            let intent = try #require((byCard.json?["payment"] as? [String: Any])?["provider_payment_id"] as? String,
                                      "\(String(decoding: byCard.body, as: UTF8.self))")
            let orderB3 = try #require(byCard.json?["order_id"] as? String)
            let requests = try await get(client, "http://127.0.0.1:\(suite.cardProviderPort)/_requests").jsonArray ?? []
            let opened = requests.last { ($0["form"] as? [String: Any])?["metadata"].flatMap { ($0 as? [String: Any])?["order_id"] as? String } == orderB3 }
            #expect(opened?["account"] as? String == String(keys["card"]!.suffix(4)), "B's order was opened in B's provider account")
            let cardTotal = try #require(minor((byCard.json?["price"] as? [String: Any])?["total"]))
            let webhook = "http://127.0.0.1:\(suite.paymentsWebhookPort)/stores/\(storeB)/webhooks/stripe"
            let forged = try Storefront.cardEvent("payment_intent.succeeded", intent: intent, amount: cardTotal, secret: SuiteProcesses.cardWebhookSecret)
            #expect(try await send(client, "POST", webhook, bytes: forged.body,
                                   headers: ["Content-Type": "application/json", "Stripe-Signature": forged.signature]).status == 401,
                    "signed with the deployment's secret")
            let genuine = try Storefront.cardEvent("payment_intent.succeeded", intent: intent, amount: cardTotal, secret: keys["hook"]!)
            #expect(try await send(client, "POST", webhook, bytes: genuine.body,
                                   headers: ["Content-Type": "application/json", "Stripe-Signature": genuine.signature]).status == 200)
            #expect(try await waitUntil(timeout: .seconds(20)) {
                try await send(client, "GET", base + "/api/orders/admin/orders/\(orderB3)", headers: inB).json?["payment_status"] as? String == "paid"
            }, "paid by B's own signed webhook")

            // Each store's figures are its own; platform operators see every store's and the totals.
            let listedB = try await send(client, "GET", base + "/api/orders/admin/orders?page_size=100", headers: inB).json?["items"] as? [[String: Any]] ?? []
            let keptB = listedB.filter { $0["status"] as? String != "cancelled" }
            let takenB = keptB.reduce(0) { $0 + (minor(($1["price"] as? [String: Any])?["total"]) ?? 0) - (minor($1["refunded"]) ?? 0) }
            let figuresB = try await send(client, "GET", base + "/api/orders/admin/figures?days=7", headers: inB)
            #expect(figuresB.json?["orders"] as? Int == listedB.count && figuresB.json?["store_id"] as? String == storeB,
                    "\(String(decoding: figuresB.body, as: UTF8.self))")
            let revenueB = figuresB.json?["revenue"] as? [[String: Any]] ?? []
            #expect(revenueB.count == 1 && revenueB.first?["currency"] as? String == "USD" && revenueB.first?["minor_units"] as? Int == takenB,
                    "B took \(takenB) US cents: \(revenueB)")
            #expect(try await send(client, "GET", base + "/api/orders/admin/figures?days=0", headers: inB).status == 422)
            let figuresA = try await send(client, "GET", base + "/api/orders/admin/figures", headers: platform)
            #expect((figuresA.json?["revenue"] as? [[String: Any]])?.allSatisfy { $0["currency"] as? String == "VND" } == true, "A sells in dong only")
            let everyStore = try await send(client, "GET", base + "/api/orders/platform/figures?days=7", headers: platform)
            let stores = everyStore.json?["stores"] as? [[String: Any]] ?? []
            #expect(Set(stores.compactMap { $0["store_id"] as? String }).isSuperset(of: [storeB, StoreID.original.description]))
            #expect(stores.first { $0["store_id"] as? String == storeB }?["orders"] as? Int == listedB.count)
            #expect(everyStore.json?["orders"] as? Int == stores.reduce(0) { $0 + ($1["orders"] as? Int ?? 0) })
            let staffB = try await send(client, "POST", base + "/api/admin/staff", json: [
                "email": "\(unique("clerk"))@example.com", "password": "clerk-b-password", "name": "Clerk B", "role": "admin",
            ], headers: inB)
            let clerk = try await send(client, "POST", base + "/api/admin/auth/login",
                                       json: ["email": try #require(staffB.json?["email"] as? String), "password": "clerk-b-password"])
            let clerkB = ["Authorization": "Bearer \(try #require(clerk.json?["access_token"] as? String))", "X-Store-Id": storeB]
            #expect(try await send(client, "GET", base + "/api/orders/platform/figures", headers: clerkB).status == 403,
                    "a store's admin sees no other store's figures")
            #expect(try await send(client, "GET", base + "/api/orders/admin/figures", headers: clerkB).json?["orders"] as? Int == listedB.count)
        }
    }

    @Test("a new store's owner who has no account is invited by email, in the store's language and under its name; the emailed token sets the password once; the owner runs that store and no other")
    func ownerIsInvited() async throws {
        let offset = 1380
        let overrides = ["SMTP_HOST": "127.0.0.1", "SMTP_PORT": String(18095 + offset), "SMTP_SECURITY": "none",
                         "EMAIL_RETRY_BASE_MS": "300", "EMAIL_RETRY_MAX_MS": "1000", "SHOP_LANGUAGE": "en",
                         "ADMIN_INVITATION_URL": "https://admin.example/accept"]
        try await withServices(Self.services, portOffset: offset, overrides: overrides) { client, suite in
            let sink = try SuiteProcesses.startTool("smtp_sink.py", [String(suite.smtpPort), String(suite.smtpInboxPort), "0"])
            defer { SuiteProcesses.stopTool(sink) }
            let base = suite.baseURL("gateway")
            let platform = ["Authorization": "Bearer \(try await adminToken(client, gateway: base))"]
            let owner = "\(unique("chu"))@example.com"
            let created = try await send(client, "POST", base + "/api/platform/stores", json: [
                "name": "Cửa hàng Hoa", "slug": unique("hoa"), "country": "VN", "currency": "VND", "language": "vi",
                "time_zone": "Asia/Ho_Chi_Minh", "order_prefix": "HOA", "owner_email": owner,
            ], headers: platform)
            let store = try #require(created.json?["id"] as? String, "\(String(decoding: created.body, as: UTF8.self))")

            let invitation = try #require(try await mail(client, suite, to: owner, kind: "staff_invitation"), "the owner's invitation arrived")
            #expect(invitation["subject"] as? String == "Lời mời quản lý Cửa hàng Hoa", "in the store's language, under its name")
            let text = try #require(invitation["text"] as? String)
            #expect(text.contains("chủ cửa hàng"))
            let link = try #require(text.firstMatch(of: /https:\/\/admin\.example\/accept\?token=([A-Za-z0-9_\-]+)/), "an invitation link: \(text)")
            let token = String(link.output.1)
            let log = try await send(client, "GET", base + "/api/fulfillment/admin/emails?page_size=100", headers: platform.merging(["X-Store-Id": store]) { $1 })
            #expect(!String(decoding: log.body, as: UTF8.self).contains(token), "the token is not kept for staff to read")

            #expect(try await send(client, "POST", base + "/api/admin/auth/login", json: ["email": owner, "password": "owner-password-1"]).status == 401,
                    "no password before the invitation is accepted")
            let accepted = try await send(client, "POST", base + "/api/admin/auth/accept-invitation", json: ["token": token, "password": "owner-password-1"])
            #expect((200..<300).contains(accepted.status), "\(String(decoding: accepted.body, as: UTF8.self))")
            #expect(try await send(client, "POST", base + "/api/admin/auth/accept-invitation", json: ["token": token, "password": "another-password"])
                .status >= 400, "single use")
            let login = try await send(client, "POST", base + "/api/admin/auth/login", json: ["email": owner, "password": "owner-password-1"])
            let ownerToken = try #require(login.json?["access_token"] as? String)
            let inStore = ["Authorization": "Bearer \(ownerToken)", "X-Store-Id": store]
            let staffList = try await send(client, "GET", base + "/api/admin/staff", headers: inStore)
            #expect(staffList.status == 200, "the owner administers the store")
            let role = (staffList.json?["items"] as? [[String: Any]] ?? staffList.jsonArray ?? []).first { $0["email"] as? String == owner }?["role"] as? String
            #expect(role == "owner")
            let elsewhere = try await send(client, "GET", base + "/api/orders/whoami", headers: ["Authorization": "Bearer \(ownerToken)",
                                                                                                 "X-Store-Id": StoreID.original.description])
            #expect(elsewhere.status == 404, "and no other store")

            // The store starts with categories in its language and the deployment's sales rules.
            let keyOfStore = try #require(created.json?["publishable_key"] as? String)
            let shopper = ["X-Store-Key": keyOfStore]
            #expect(try await waitUntil(timeout: .seconds(20)) {
                try await send(client, "GET", base + "/api/admin/store", headers: inStore).json?["status"] as? String == "active"
            }, "every service set the store up")
            let categories = try await send(client, "GET", base + "/api/catalog/categories", headers: shopper)
            let starter = Set((categories.json?["items"] as? [[String: Any]] ?? categories.jsonArray ?? []).compactMap { $0["name"] as? String })
            #expect(starter == ["Hàng mới về", "Bán chạy", "Khuyến mãi"], "\(String(decoding: categories.body, as: UTF8.self))")

            // Its owner changes the store's settings; wrong ones are named, the original store's are the deployment's.
            let wrong = try await send(client, "PUT", base + "/api/admin/store/settings", json: [
                "name": " ", "language": "fr", "time_zone": "Mars/Olympus", "support_email": "not-an-address", "low_stock_threshold": -1,
            ], headers: inStore)
            #expect(wrong.status == 422 && Set((wrong.json?["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
                    == ["name", "language", "time_zone", "support_email", "low_stock_threshold"], "\(String(decoding: wrong.body, as: UTF8.self))")
            let original = try await send(client, "PUT", base + "/api/admin/store/settings", json: [
                "name": "Shop", "language": "vi", "time_zone": "Asia/Ho_Chi_Minh",
            ], headers: platform)
            #expect(original.status == 409 && original.problemType == "/problems/original-store-settings")
            let renamed = try await send(client, "PUT", base + "/api/admin/store/settings", json: [
                "name": "Lotus Tea House", "language": "en", "time_zone": "Asia/Bangkok", "support_email": "Help@Hoa.example",
                "low_stock_threshold": 2,
            ], headers: inStore)
            let renamedSettings = renamed.json?["settings"] as? [String: Any]
            #expect(renamed.status == 200 && renamedSettings?["name"] as? String == "Lotus Tea House"
                    && renamedSettings?["support_email"] as? String == "help@hoa.example" && renamedSettings?["order_prefix"] as? String == "HOA",
                    "\(String(decoding: renamed.body, as: UTF8.self))")
            #expect(try await send(client, "PUT", base + "/api/admin/store/settings", json: [
                "name": "Mine now", "language": "en", "time_zone": "UTC",
            ], headers: ["Authorization": "Bearer \(ownerToken)", "X-Store-Id": StoreID.original.description]).status == 404,
                    "the owner changes no other store")

            // A purchase in the store: its emails carry its new name and language, replies go to
            // its support address; its prices are in its own currency.
            let product = try await send(client, "POST", base + "/api/catalog/admin/products", json: [
                "slug": unique("tra-sen"), "title": "Lotus tea",
                "variants": [["sku": unique("LOTUS"), "price": ["minor_units": 85_000, "currency": "VND"], "on_hand": 4]],
            ], headers: inStore)
            let productId = try #require(product.json?["id"] as? String, "\(String(decoding: product.body, as: UTF8.self))")
            let variant = try #require((product.json?["variants"] as? [[String: Any]])?.first?["id"] as? String)
            #expect(try await send(client, "POST", base + "/api/catalog/admin/products/\(productId)/publish", headers: inStore).status == 200)
            let buyerEmail = "\(unique("mai"))@example.com"
            let buyer = try await customer(client, base, email: buyerEmail, headersFor: shopper).merging(shopper) { $1 }
            let placed = try await checkOut(client, base, buyer, order(cart: try await cart(client, base, buyer, variant: variant, quantity: 2),
                                                                     method: "cod", email: buyerEmail))
            let number = try #require(placed.json?["order_number"] as? String, "\(String(decoding: placed.body, as: UTF8.self))")
            let confirmation = try #require(try await mail(client, suite, to: buyerEmail, kind: "order_confirmation"), "the buyer's confirmation")
            #expect(confirmation["subject"] as? String == "Order \(number) received", "in the store's new language")
            #expect((confirmation["from"] as? String)?.hasPrefix("Lotus Tea House <") == true, "\(confirmation["from"] ?? "")")
            #expect(confirmation["reply_to"] as? String == "Lotus Tea House <help@hoa.example>", "\(confirmation["reply_to"] ?? "")")
        }
    }

    @Test("each store connects its own shop at the POS: its orders go there with its key, the POS's notices about them verify with its secret at its address, its counts reach its catalogue; a store not connected pushes nothing")
    func storesKeepTheirOwnPOS() async throws {
        let offset = 1400
        let keyB = "pos-key-of-store-b-0001", secretB = "pos-webhook-secret-of-store-b"
        let overrides = ["POS_BASE_URL": "http://127.0.0.1:\(18094 + offset)/api/v1",
                         "POS_API_KEY": SuiteProcesses.posAPIKey, "POS_SHOP_ID": "shop-a", "POS_WEBHOOK_SECRET": SuiteProcesses.posWebhookSecret,
                         "POS_PUSH_BASE_DELAY_MS": "200", "POS_PUSH_MAX_DELAY_MS": "800", "POS_INVENTORY_PULL_SECONDS": "1", "POS_TIMEOUT_MS": "1500"]
        try await withServices(Self.services, portOffset: offset, overrides: overrides) { client, suite in
            let pos = try SuiteProcesses.startTool("pos_fake.py", [String(suite.posPort), "shop-a,shop-b", "\(SuiteProcesses.posAPIKey),\(keyB)", "0"])
            defer { SuiteProcesses.stopTool(pos) }
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            let platform = ["Authorization": "Bearer \(admin)"]
            let (storeB, publishableB) = try await Self.openStore(client, base, platform, timeZone: "America/New_York")
            let inB = platform.merging(["X-Store-Id": storeB]) { $1 }
            let shopperB = ["X-Store-Key": publishableB]
            let created = try await send(client, "POST", base + "/api/catalog/admin/products", json: [
                "slug": unique("kettle"), "title": "Kettle",
                "variants": [["sku": unique("KTL"), "price": ["minor_units": 3_900, "currency": "USD"], "on_hand": 20]],
            ], headers: inB)
            let productB = try #require(created.json?["id"] as? String, "\(String(decoding: created.body, as: UTF8.self))")
            let variantB = try #require((created.json?["variants"] as? [[String: Any]])?.first?["id"] as? String)
            let skuB = try #require((created.json?["variants"] as? [[String: Any]])?.first?["sku"] as? String)
            #expect(try await send(client, "POST", base + "/api/catalog/admin/products/\(productB)/publish", headers: inB).status == 200)
            let buyerB = try await customer(client, base, email: "\(unique("ben"))@example.com", headersFor: shopperB).merging(shopperB) { $1 }

            // Not connected: B's order is not queued for the POS (the deployment's shop is the original store's).
            let before = try await send(client, "GET", base + "/api/fulfillment/admin/pos/account", headers: inB)
            #expect(before.json?["connected"] as? Bool == false && before.json?["webhook_path"] as? String == "/stores/\(storeB)/webhooks/pos")
            let early = try await checkOut(client, base, buyerB, order(cart: try await cart(client, base, buyerB, variant: variantB, quantity: 1), method: "cod"))
            let earlyOrder = try #require(early.json?["order_id"] as? String, "\(String(decoding: early.body, as: UTF8.self))")
            // Fulfilment plans the order's shipment when it learns the order is settled, in the
            // transaction that would have queued it for the POS.
            #expect(try await waitUntil(timeout: .seconds(20)) {
                let planned = try await send(client, "GET", base + "/api/fulfillment/admin/orders/\(earlyOrder)/shipments", headers: inB)
                return !((planned.json?["shipments"] as? [[String: Any]]) ?? []).isEmpty
            }, "fulfilment has settled B's first order")

            // B's admin connects B's shop; secrets are never shown back.
            let wrong = try await send(client, "PUT", base + "/api/fulfillment/admin/pos/account",
                                       json: ["api_key": "short", "shop_id": "shop b!", "webhook_secret": "has spaces in it, sixteen+"], headers: inB)
            #expect(wrong.status == 422 && Set((wrong.json?["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
                    == ["api_key", "shop_id", "webhook_secret"], "\(String(decoding: wrong.body, as: UTF8.self))")
            let connected = try await send(client, "PUT", base + "/api/fulfillment/admin/pos/account",
                                           json: ["api_key": keyB, "shop_id": "shop-b", "webhook_secret": secretB], headers: inB)
            #expect(connected.status == 200 && connected.json?["connected"] as? Bool == true && connected.json?["shop_id"] as? String == "shop-b")
            #expect(![keyB, secretB].contains { String(decoding: connected.body, as: UTF8.self).contains($0) }, "no secret is shown back")
            let original = try await send(client, "GET", base + "/api/fulfillment/admin/pos/account", headers: platform)
            #expect(original.json?["shop_id"] as? String == "shop-a", "the original store keeps the deployment's shop")

            // Orders of each store reach each store's shop.
            let buyerA = try await customer(client, base)
            let variantA = try await product(client, base, admin: admin, stock: 10, price: 90_000)
            let placedA = try await checkOut(client, base, buyerA, order(cart: try await cart(client, base, buyerA, variant: variantA, quantity: 1), method: "cod"))
            let placedB = try await checkOut(client, base, buyerB, order(cart: try await cart(client, base, buyerB, variant: variantB, quantity: 2), method: "cod"))
            let (numberA, numberB) = (try #require(placedA.json?["order_number"] as? String), try #require(placedB.json?["order_number"] as? String))
            let orderB = try #require(placedB.json?["order_id"] as? String)
            var posOrders: [[String: Any]] = []
            #expect(try await waitUntil(timeout: .seconds(20)) {
                posOrders = try await get(client, "http://127.0.0.1:\(suite.posPort)/_orders").json?["orders"] as? [[String: Any]] ?? []
                return Set(posOrders.compactMap { $0["custom_id"] as? String }).isSuperset(of: [numberA, numberB])
            }, "both orders reached the POS: \(posOrders)")
            #expect(posOrders.first { $0["custom_id"] as? String == numberA }?["shop"] as? String == "shop-a")
            let atPos = try #require(posOrders.first { $0["custom_id"] as? String == numberB })
            #expect(atPos["shop"] as? String == "shop-b", "B's order went to B's shop with B's key")
            let earlyNumber = try #require(early.json?["order_number"] as? String)
            #expect(!posOrders.contains { $0["custom_id"] as? String == earlyNumber }, "the order from before B connected was not pushed")
            let pushesB = try await send(client, "GET", base + "/api/fulfillment/admin/pos/pushes?page_size=100", headers: inB)
            let pushedIds = Set((pushesB.json?["items"] as? [[String: Any]] ?? []).compactMap { $0["order_id"] as? String })
            #expect(pushedIds == [orderB], "B's pushes list only B's order: \(pushedIds) vs \(earlyOrder)")

            // The POS's notice about B's order: verified with B's secret at B's address only.
            let posOrderB = try #require((atPos["id"] as? Int).map(String.init))
            let shipped: [String: Any] = ["event_id": "pos-b-\(posOrderB)-1", "order_id": posOrderB, "status": "shipped",
                                          "partner": ["name": "GHN", "tracking_number": "GHNB1"]]
            let notice = { (target: String, secret: String) in
                try await send(client, "POST", "http://127.0.0.1:\(suite.posPort)/_webhook", json: [
                    "target": "http://127.0.0.1:\(suite.fulfillmentWebhookPort)\(target)", "secret": secret, "event": shipped]).json ?? [:]
            }
            #expect(try await notice("/stores/\(storeB)/webhooks/pos", SuiteProcesses.posWebhookSecret)["status"] as? Int == 401,
                    "signed with the original store's secret")
            #expect(((try await notice("/webhooks/pos", SuiteProcesses.posWebhookSecret))["body"] as? [String: Any])?["outcome"] as? String
                    == "unknown_order", "at the original store's address it names no order of A's")
            let genuine = try await notice("/stores/\(storeB)/webhooks/pos", secretB)
            #expect(genuine["status"] as? Int == 200 && (genuine["body"] as? [String: Any])?["outcome"] as? String == "shipped", "\(genuine)")
            #expect(try await waitUntil(timeout: .seconds(15)) {
                try await send(client, "GET", base + "/api/orders/admin/orders/\(orderB)", headers: inB).json?["status"] as? String == "shipped"
            })

            // B's shop's counts reach B's catalogue.
            let counts = try JSONSerialization.data(withJSONObject: [["display_id": skuB, "remain_quantity": 7]])
            _ = try await send(client, "POST", "http://127.0.0.1:\(suite.posPort)/_inventory?shop=shop-b", bytes: counts,
                               headers: ["Content-Type": "application/json"])
            #expect(try await waitUntil(timeout: .seconds(15)) {
                let level = try await send(client, "GET", base + "/api/catalog/admin/variants/\(variantB)/stock", headers: inB).json?["level"]
                return (level as? [String: Any])?["on_hand"] as? Int == 7
            }, "the count of B's shop is B's on-hand")
        }
    }

    /// Store B (USD, English, order prefix `BSHOP`), created by a platform operator and waited
    /// for until every service has set it up; answers its id and publishable key.
    static func openStore(_ client: HTTPClient, _ base: String, _ platform: [String: String], timeZone: String) async throws -> (String, String) {
        let created = try await send(client, "POST", base + "/api/platform/stores", json: [
            "name": "Store B", "slug": "store-b", "country": "US", "currency": "USD", "language": "en",
            "time_zone": timeZone, "order_prefix": "BSHOP", "owner_email": "owner-b@example.com",
        ], headers: platform)
        let store = try #require(created.json?["id"] as? String, "\(String(decoding: created.body, as: UTF8.self))")
        let key = try #require(created.json?["publishable_key"] as? String)
        #expect(try await waitUntil(timeout: .seconds(60)) {
            try await send(client, "GET", base + "/api/platform/stores/\(store)", headers: platform).json?["status"] as? String == "active"
        }, "store B opens")
        return (store, key)
    }

    /// Store A (the original store) with one of everything an id can name.
    static func storeA(_ client: HTTPClient, base: String, suite: SuiteProcesses, platform: [String: String]) async throws -> StoreAData {
        var data = StoreAData()
        let slug = unique("tea"), sku = unique("TEA")
        data.ids["slug"] = slug
        data.ids["sku"] = sku
        let product = try await send(client, "POST", base + "/api/catalog/admin/products", json: [
            "slug": slug, "title": "Trà sen A",
            "variants": [["sku": sku, "price": ["minor_units": 120_000, "currency": "VND"], "on_hand": 20]],
        ], headers: platform)
        let productId = try #require(product.json?["id"] as? String)
        data.ids["products"] = productId
        data.ids["variants"] = try #require((product.json?["variants"] as? [[String: Any]])?.first?["id"] as? String)
        #expect(try await send(client, "POST", base + "/api/catalog/admin/products/\(productId)/publish", headers: platform).status == 200)
        let voucher = try await send(client, "POST", base + "/api/catalog/admin/vouchers", json: [
            "code": unique("A").uppercased(), "kind": "fixed", "amount": ["minor_units": 1_000, "currency": "VND"],
        ], headers: platform)
        data.ids["vouchers"] = try #require(voucher.json?["id"] as? String)
        let endpoint = try await send(client, "POST", base + "/api/fulfillment/admin/webhooks/endpoints", json: [
            "url": "http://127.0.0.1:\(suite.merchantEndpointPort)/hooks/a", "event_types": ["shop.orders.order.placed.v1"],
        ], headers: platform)
        data.ids["endpoints"] = try #require(endpoint.json?["id"] as? String)
        let page = try await send(client, "POST", base + "/api/checkout/admin/pages", json: [
            "slug": unique("page"), "title": "Trà sen A", "options": [["variant_id": data.ids["variants"]!, "label": "Tin"]],
            "fields": [["key": "note", "label": "Note", "type": "text", "required": false]],
        ], headers: platform)
        data.ids["pages"] = try #require(page.json?["id"] as? String, "\(String(decoding: page.body, as: UTF8.self))")
        let manager = try await send(client, "POST", base + "/api/admin/staff", json: [
            "email": "clerk-a@example.com", "password": "clerk-a-password", "name": "Clerk A", "role": "staff",
        ], headers: platform)
        data.ids["staff"] = try #require(manager.json?["id"] as? String)

        // A customer's cash-on-delivery purchase: an order, its payment, shipment and emails.
        let email = "\(unique("lan"))@example.com"
        let lan = try await customer(client, base, email: email)
        let me = try await send(client, "GET", base + "/api/me", headers: lan)
        data.ids["customers"] = try #require(me.json?["id"] as? String)
        let cart = try await cart(client, base, lan, variant: data.ids["variants"]!, quantity: 1)
        let placed = try await checkOut(client, base, lan, order(cart: cart, method: "cod", email: email))
        let orderId = try #require(placed.json?["order_id"] as? String, "\(String(decoding: placed.body, as: UTF8.self))")
        data.ids["orders"] = orderId
        data.ids["checkouts"] = try #require(placed.json?["id"] as? String)
        var shipments: [[String: Any]] = []
        #expect(try await waitUntil(timeout: .seconds(30)) {
            shipments = try await send(client, "GET", base + "/api/fulfillment/admin/orders/\(orderId)/shipments", headers: platform)
                .json?["shipments"] as? [[String: Any]] ?? []
            return !shipments.isEmpty
        })
        data.ids["shipments"] = try #require(shipments.first?["id"] as? String)
        var emails: [[String: Any]] = []
        var deliveries: [[String: Any]] = []
        #expect(try await waitUntil(timeout: .seconds(30)) {
            emails = try await send(client, "GET", base + "/api/fulfillment/admin/emails?order_id=\(orderId)", headers: platform).json?["items"] as? [[String: Any]] ?? []
            deliveries = try await send(client, "GET", base + "/api/fulfillment/admin/webhooks/endpoints/\(data.ids["endpoints"]!)/deliveries",
                                        headers: platform).json?["items"] as? [[String: Any]] ?? []
            return !emails.isEmpty && !deliveries.isEmpty
        })
        data.ids["emails"] = try #require(emails.first?["id"] as? String)
        data.ids["deliveries"] = try #require(deliveries.first?["id"] as? String)
        data.ids["order-status"] = try #require(try await send(client, "GET", base + "/api/orders/admin/orders/\(orderId)", headers: platform)
            .json?["status"] as? String)

        // A guest's cart, left open.
        let guest = try await guestCart(client, base, variant: data.ids["variants"]!, quantity: 1)
        data.ids["carts"] = guest.cart.0
        data.ids["cart-version"] = String(guest.cart.1)
        data.ids["cart-token"] = guest.who["X-Cart-Token"]
        return data
    }

    /// `path` with each `{…}` replaced by the id of store A's thing the segment before it
    /// names (`/admin/orders/{id}` → an order); nil when store A has no such thing.
    static func fill(_ path: String, with data: StoreAData) -> String? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var filled: [String] = []
        for (index, segment) in segments.enumerated() {
            guard segment.hasPrefix("{") else { filled.append(segment); continue }
            let resource = index > 0 ? segments[index - 1] : ""
            let name: String
            switch (resource, segment) {
            case ("pushes", _): name = "orders"
            case (_, "{variant_id}"): name = "variants"
            default: name = resource
            }
            guard let id = data.ids[name] else { return nil }
            filled.append(id)
        }
        return filled.joined(separator: "/")
    }

    /// The JSON schema of `operation`'s request body, if it has one.
    static func requestSchema(_ operation: [String: Any], _ components: [String: Any]) -> [String: Any]? {
        let content = (operation["requestBody"] as? [String: Any])?["content"] as? [String: Any]
        return (content?["application/json"] as? [String: Any])?["schema"] as? [String: Any]
    }

    /// A body the schema accepts (required fields with plausible values), so that an operation
    /// is turned down for its id, not for its body.
    static func example(_ schema: [String: Any]?, _ components: [String: Any]) -> [String: Any]? {
        value(for: schema, components) as? [String: Any]
    }

    private static func value(for schema: [String: Any]?, _ components: [String: Any]) -> Any? {
        guard var schema else { return nil }
        if let reference = schema["$ref"] as? String, let resolved = components[String(reference.split(separator: "/").last!)] as? [String: Any] {
            schema = resolved
        }
        if let example = schema["example"] { return example }
        if schema["pattern"] as? String == "^[A-Z]{3}$" { return "VND" }
        if let choices = schema["enum"] as? [Any], let first = choices.first { return first }
        if let options = (schema["oneOf"] ?? schema["anyOf"]) as? [[String: Any]] { return value(for: options.first, components) }
        let type = (schema["type"] as? String) ?? ((schema["type"] as? [String])?.first { $0 != "null" }) ?? "object"
        switch type {
        case "string":
            switch schema["format"] as? String {
            case "uuid": return UUID().uuidString.lowercased()
            case "email": return "someone@example.com"
            case "date-time": return "2030-01-01T00:00:00Z"
            case "uri": return "https://example.com/x"
            default: return String(repeating: "x", count: max(1, schema["minLength"] as? Int ?? 1))
            }
        case "integer", "number": return max(1, schema["minimum"] as? Int ?? 1)
        case "boolean": return true
        case "array":
            let count = schema["minItems"] as? Int ?? 0
            return (0..<count).compactMap { _ in value(for: schema["items"] as? [String: Any], components) }
        default:
            let properties = schema["properties"] as? [String: Any] ?? [:]
            var object: [String: Any] = [:]
            for name in schema["required"] as? [String] ?? [] {
                object[name] = value(for: properties[name] as? [String: Any], components)
            }
            return object
        }
    }
}
