import AsyncHTTPClient
import Foundation
import ServiceKitTestKit
import Testing

/// Checkout pages through the gateway, as a merchant builds one and buyers pay on it.
@Suite("Checkout pages through the gateway", .serialized)
struct CheckoutPagesTests {
    static let services = ["gateway", "catalog", "checkout", "payments", "orders", "fulfillment"]
    static let overrides = ["WEBHOOK_ALLOW_PRIVATE_URLS": "true", "ORDER_PLACEMENTS_PER_HOUR": "100000", "RATE_LIMIT_PER_MINUTE": "100000",
                            "PUBLIC_URL": "https://pay.lotus.example"]

    /// A guest's own secret for a checkout without a cart.
    private static func secret() -> String { (UUID().uuidString + UUID().uuidString).replacingOccurrences(of: "-", with: "") }

    private func buyer(_ name: String, method: String, answers: [String: Any], option: String?, quantity: Int = 1) -> [String: Any] {
        var body: [String: Any] = [
            "quantity": quantity, "payment_method": method, "answers": answers,
            "contact": ["name": name, "email": "\(unique("buyer"))@example.com", "phone": "0912345678"],
            "shipping_address": ["country": "VN", "line1": "12 Lý Thái Tổ", "ward": "Phường Hoàn Kiếm", "province": "Hà Nội"],
        ]
        if let option { body["option"] = option }
        return body
    }

    @Test("a merchant builds a page with two options and three questions, publishes it and gets its embed code; a buyer missing the required answer is told which; one pays by bank transfer, one on delivery; the orders, their events and the merchant's webhook carry the answers; the figures add up; an archived page refuses buyers; another store's staff cannot see it")
    func merchantPage() async throws {
        try await withServices(Self.services, portOffset: 1480, overrides: Self.overrides) { client, suite in
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            let staff = ["Authorization": "Bearer \(admin)"]
            let created = try await send(client, "POST", base + "/api/catalog/admin/products", json: [
                "slug": unique("lotus"), "title": "Lotus tea",
                "variants": [["sku": unique("LT-S"), "title": "Small tin", "price": ["minor_units": 120_000, "currency": "VND"], "on_hand": 10],
                             ["sku": unique("LT-G"), "title": "Gift box", "price": ["minor_units": 450_000, "currency": "VND"], "on_hand": 10]],
            ], headers: staff)
            let product = try #require(created.json?["id"] as? String)
            let variants = try #require(created.json?["variants"] as? [[String: Any]]).compactMap { $0["id"] as? String }
            #expect(try await send(client, "POST", base + "/api/catalog/admin/products/\(product)/publish", headers: staff).status == 200)

            // A merchant's webhook endpoint hears of the orders.
            let placedType = "shop.orders.order.placed.v1"
            let registered = try await send(client, "POST", base + "/api/fulfillment/admin/webhooks/endpoints", json: [
                "url": "http://127.0.0.1:\(suite.merchantEndpointPort)/hooks/pages", "event_types": [placedType]], headers: staff)
            let secret = try #require(registered.json?["secret"] as? String)
            let receiver = try SuiteProcesses.startTool("webhook_receiver.py", [String(suite.merchantEndpointPort), secret, "0"])
            defer { SuiteProcesses.stopTool(receiver) }

            // Every wrong member is named; a good page is a draft with its link and embed code.
            let bad = try await send(client, "POST", base + "/api/checkout/admin/pages", json: [
                "slug": "Tết Gifts", "title": "",
                "fields": [["key": "1st", "label": "Company", "type": "text", "required": false],
                           ["key": "wrap", "label": "Wrapping", "type": "select", "required": false]],
                "embed_origins": ["https://lotus.example/shop"],
            ], headers: staff)
            #expect(bad.status == 422 && Set(bad.fieldErrors) == ["slug", "title", "fields[0].key", "fields[1].choices", "embed_origins[0]"],
                    "\(bad.text)")
            let slug = unique("tet-gifts")
            let made = try await send(client, "POST", base + "/api/checkout/admin/pages", json: [
                "slug": slug, "title": "Tết gifts", "description": "Lotus tea for the new year.",
                "options": [["variant_id": variants[0], "label": "Small tin"], ["variant_id": variants[1], "label": "Gift box"]],
                "quantity": ["min": 1, "max": 3],
                "fields": [["key": "company", "label": "Company", "type": "text", "required": false],
                           ["key": "delivery_date", "label": "Deliver on", "type": "date", "required": true],
                           ["key": "wrapping", "label": "Wrapping", "type": "select", "required": false, "choices": ["none", "paper", "silk"]]],
                "vouchers_allowed": false, "success_url": "https://lotus.example/thanks",
                "embed_origins": ["https://lotus.example", "https://blog.lotus.example:8443"],
            ], headers: staff)
            #expect(made.status == 201 && made.json?["status"] as? String == "draft", "\(made.text)")
            let page = try #require(made.json?["id"] as? String)
            let embed = try #require(made.json?["embed"] as? [String: Any])
            let link = try #require(embed["link"] as? String)
            #expect(link.hasPrefix("https://pay.lotus.example/api/checkout/widget/") && link.hasSuffix("/\(slug)/pay"), "\(link)")
            #expect((embed["iframe"] as? String)?.contains("<iframe src=\"\(link)\"") == true && (embed["button"] as? String)?.contains(link) == true)
            let taken = try await send(client, "POST", base + "/api/checkout/admin/pages", json: ["slug": slug, "title": "Again"], headers: staff)
            #expect(taken.status == 409 && taken.fieldErrors == ["slug"])

            // The questions reordered in one call: a wrong list is refused, the right one kept.
            let wrongOrder = try await send(client, "PUT", base + "/api/checkout/admin/pages/\(page)/fields/order",
                                            json: ["keys": ["wrapping", "company"]], headers: staff)
            #expect(wrongOrder.status == 422 && wrongOrder.fieldErrors == ["keys"])
            let reordered = try await send(client, "PUT", base + "/api/checkout/admin/pages/\(page)/fields/order",
                                           json: ["keys": ["delivery_date", "wrapping", "company"]], headers: staff)
            #expect((reordered.json?["fields"] as? [[String: Any]])?.compactMap { $0["key"] as? String } == ["delivery_date", "wrapping", "company"])

            // Buyers find it once it is published (by the store's id here: the original store's slug is the gateway's).
            let path = URL(string: link)!.path.replacingOccurrences(of: "/pay", with: "")
            let widget = base + path
            #expect(try await get(client, widget).status == 404, "a draft is not for buyers")
            var published = false
            for _ in 0..<100 where !published {
                published = try await send(client, "POST", base + "/api/checkout/admin/pages/\(page)/publish", headers: staff).status == 200
                if !published { try await Task.sleep(for: .milliseconds(300)) }
            }
            #expect(published, "published once checkout knows the variants are on sale")
            let shown = try await send(client, "GET", widget, headers: ["User-Agent": "buyer-one"])
            #expect(shown.status == 200, "\(shown.text)")
            let options = shown.json?["options"] as? [[String: Any]] ?? []
            #expect(options.compactMap { $0["label"] as? String } == ["Small tin", "Gift box"])
            #expect(options.compactMap { minor($0["price"]) } == [120_000, 450_000], "each option at its variant's price")
            #expect((shown.json?["fields"] as? [[String: Any]])?.compactMap { $0["key"] as? String } == ["delivery_date", "wrapping", "company"])
            #expect(shown.json?["payment_methods"] as? [String] == ["cod", "bank_transfer", "card"])
            _ = try await send(client, "GET", widget, headers: ["User-Agent": "buyer-one"])
            _ = try await send(client, "GET", widget, headers: ["User-Agent": "buyer-two"])
            let hosted = try await get(client, widget + "/pay")
            #expect(hosted.status == 200 && hosted.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(hosted.header("Content-Security-Policy")?.contains("frame-ancestors 'self' https://lotus.example https://blog.lotus.example:8443") == true,
                    "\(hosted.header("Content-Security-Policy") ?? "no CSP")")

            // A buyer who leaves out the required answer, picks a wrapping the page does not offer,
            // asks for too many and brings a voucher is told each at once; nothing is started.
            let refused = try await send(client, "POST", widget + "/checkouts",
                                         json: buyer("Lan", method: "bank_transfer", answers: ["wrapping": "gold", "colour": "red"], option: variants[1],
                                                     quantity: 4).merging(["voucher_code": "TET"]) { $1 },
                                         headers: ["Idempotency-Key": UUID().uuidString, "X-Checkout-Token": Self.secret()])
            #expect(refused.status == 422, "\(refused.text)")
            #expect(Set(refused.fieldErrors) == ["quantity", "voucher_code", "answers.delivery_date", "answers.wrapping", "answers.colour"], "\(refused.text)")

            // Lan pays a gift box by bank transfer.
            let answersOfLan: [String: Any] = ["delivery_date": "2027-02-05", "wrapping": "silk", "company": "Sen Việt"]
            let lanToken = Self.secret()
            var lan = try await send(client, "POST", widget + "/checkouts",
                                     json: buyer("Lan", method: "bank_transfer", answers: answersOfLan, option: variants[1]),
                                     headers: ["Idempotency-Key": UUID().uuidString, "X-Checkout-Token": lanToken, "Prefer": "wait=10"])
            #expect(lan.status == 202, "\(lan.text)")
            #expect(lan.header("Location")?.hasPrefix("/widget/") == true, "followed where it was placed: \(lan.header("Location") ?? "")")
            let lanCheckout = try #require(lan.json?["id"] as? String)
            for _ in 0..<12 where lan.json?["status"] as? String != "awaiting_payment" {
                lan = try await send(client, "GET", widget + "/checkouts/\(lanCheckout)", headers: ["X-Checkout-Token": lanToken, "Prefer": "wait=10"])
            }
            #expect(lan.json?["status"] as? String == "awaiting_payment", "\(lan.text)")
            let lanNumber = try #require(lan.json?["order_number"] as? String)
            let lanTotal = try #require(minor((lan.json?["price"] as? [String: Any])?["total"]))
            let content = try #require((lan.json?["payment"] as? [String: Any])?["transfer_content"] as? String)
            #expect(try await sepay(client, suite, content: content, amount: lanTotal).status == 200)
            var paid: Answer?
            _ = try await waitUntil(timeout: .seconds(30)) {
                paid = try await send(client, "GET", widget + "/checkouts/\(lanCheckout)", headers: ["X-Checkout-Token": lanToken, "Prefer": "wait=5"])
                return paid?.json?["status"] as? String == "completed"
            }
            #expect(paid?.json?["status"] as? String == "completed", "\(paid?.text ?? "")")
            #expect(try await send(client, "GET", widget + "/checkouts/\(lanCheckout)").status == 404, "only its buyer follows it")

            // Minh takes two small tins, paid on delivery, answering only what is required.
            let minhToken = Self.secret()
            let minh = try await send(client, "POST", widget + "/checkouts",
                                      json: buyer("Minh", method: "cod", answers: ["delivery_date": "2027-02-06", "company": ""], option: variants[0],
                                                  quantity: 2),
                                      headers: ["Idempotency-Key": UUID().uuidString, "X-Checkout-Token": minhToken, "Prefer": "wait=10"])
            var minhDone = minh
            let minhCheckout = try #require(minh.json?["id"] as? String, "\(minh.text)")
            for _ in 0..<12 where minhDone.json?["status"] as? String != "completed" {
                minhDone = try await send(client, "GET", widget + "/checkouts/\(minhCheckout)", headers: ["X-Checkout-Token": minhToken, "Prefer": "wait=10"])
            }
            #expect(minhDone.json?["status"] as? String == "completed", "\(minhDone.text)")
            let minhTotal = try #require(minor((minhDone.json?["price"] as? [String: Any])?["total"]))

            // Staff see the page and the answers on the order, in the page's order.
            let orders = try await send(client, "GET", base + "/api/orders/admin/orders?q=\(lanNumber)", headers: staff)
            let lanOrderRow = try #require((orders.json?["items"] as? [[String: Any]])?.first, "\(orders.text)")
            let answers = lanOrderRow["answers"] as? [[String: Any]] ?? []
            #expect(answers.compactMap { $0["key"] as? String } == ["delivery_date", "wrapping", "company"])
            #expect(answers.compactMap { $0["value"] as? String } == ["2027-02-05", "silk", "Sen Việt"])
            #expect(answers.first?["label"] as? String == "Deliver on")
            #expect((lanOrderRow["page"] as? [String: Any])?["slug"] as? String == slug)
            let orderID = try #require(lanOrderRow["id"] as? String)
            let events = try await suite.events(on: "orders.events", type: placedType, subject: orderID)
            let eventAnswers = try #require(events.first.flatMap { try? JSONSerialization.jsonObject(with: $0.data) as? [String: Any] })
            #expect((eventAnswers["answers"] as? [[String: Any]])?.count == 3, "order.placed carries the answers")
            var delivered: [String: Any]?
            _ = try await waitUntil(timeout: .seconds(20)) {
                let arrivals = (try? JSONSerialization.jsonObject(with: try await get(client, "http://127.0.0.1:\(suite.merchantEndpointPort)/_received").body))
                    as? [[String: Any]] ?? []
                delivered = arrivals.first { ($0["payload"] as? [String: Any])?["subject"] as? String == orderID && $0["verified"] as? Bool == true }
                return delivered != nil
            }
            let hooked = ((delivered?["payload"] as? [String: Any])?["data"] as? [String: Any])?["answers"] as? [[String: Any]]
            #expect(hooked?.first { $0["key"] as? String == "wrapping" }?["value"] as? String == "silk", "the merchant's webhook carries them")

            // The export has a column per question, the answers in Lan's row.
            let export = try await send(client, "GET", base + "/api/orders/admin/orders/export?q=\(lanNumber)", headers: staff)
            #expect(export.status == 200 && export.header("Content-Type")?.hasPrefix("text/csv") == true)
            let rows = export.text.trimmingCharacters(in: .whitespacesAndNewlines).components(separatedBy: "\r\n")
            #expect(rows.count == 2 && rows[0].hasSuffix(#","page","answer:delivery_date","answer:wrapping","answer:company""#), "\(rows)")
            #expect(rows.last?.hasPrefix("\"\(lanNumber)\"") == true && rows.last?.hasSuffix(#","\#(slug)","2027-02-05","silk","Sen Việt""#) == true,
                    "\(rows)")
            #expect(export.header("X-Export-Truncated") == "false")

            // The figures add up: two visitors, two checkouts started (none for the refused one), two sales.
            let figures = try await send(client, "GET", base + "/api/checkout/admin/pages/\(page)", headers: staff).json?["statistics"] as? [String: Any]
            #expect(figures?["views"] as? Int == 2 && figures?["checkouts_started"] as? Int == 2 && figures?["conversions"] as? Int == 2,
                    "\(String(describing: figures))")
            #expect((figures?["conversion_rate"] as? Double) == 1.0)
            #expect((figures?["revenue"] as? [[String: Any]])?.compactMap { $0["minor_units"] as? Int } == [lanTotal + minhTotal])

            // A copy is a draft under a free slug; the archived page refuses buyers.
            let copy = try await send(client, "POST", base + "/api/checkout/admin/pages/\(page)/duplicate", headers: staff)
            #expect(copy.status == 201 && copy.json?["slug"] as? String == "\(slug)-copy" && copy.json?["status"] as? String == "draft")
            #expect(try await send(client, "POST", base + "/api/checkout/admin/pages/\(page)/archive", headers: staff).status == 200)
            #expect(try await get(client, widget).status == 410)
            let late = try await send(client, "POST", widget + "/checkouts", json: buyer("Hoa", method: "cod", answers: ["delivery_date": "2027-02-07"],
                                                                                            option: variants[0]),
                                      headers: ["Idempotency-Key": UUID().uuidString, "X-Checkout-Token": Self.secret()])
            #expect(late.status == 410 && late.problemType == "/problems/page-archived", "\(late.text)")

            // Another store's staff cannot see the page.
            let platform = ["Authorization": "Bearer \(admin)"]
            let (storeB, _) = try await StoreIsolationTests.openStore(client, base, platform, timeZone: "Asia/Ho_Chi_Minh")
            let inB = platform.merging(["X-Store-Id": storeB]) { $1 }
            #expect(try await send(client, "GET", base + "/api/checkout/admin/pages/\(page)", headers: inB).status == 404)
            let listB = try await send(client, "GET", base + "/api/checkout/admin/pages", headers: inB)
            #expect(listB.status == 200 && !listB.text.contains(page))
            #expect(try await get(client, base + "/api/checkout/widget/store-b/\(slug)").status == 404, "nor is it B's page to buyers")
        }
    }
}
