import AsyncHTTPClient
import EventContracts
import Foundation
import ServiceKitTestKit
import Testing

/// The whole way of a paid order after payment, through the gateway and real outside parties:
/// a real SMTP server (`aiosmtpd`) that refuses the first message, a POS that fails the first
/// push, and a merchant endpoint verifying with the `standardwebhooks` library. Also the
/// customer emails that are not about an order: password reset and the abandoned cart.
@Suite("Fulfilment chain: shipment, POS, email, merchant webhook", .serialized)
struct FulfilmentChainTests {
    static let services = ["catalog", "checkout", "orders", "payments", "fulfillment", "gateway"]
    static let offset = 880
    static let shop = "shop-88"
    static let merchantSecret = "whsec_" + Data("chain-test-secret-0123456789".utf8).base64EncodedString()

    @Test("paid order → shipment → POS (after a forced failure) → POS webhook ships with tracking → order shipped → email with tracking at the SMTP sink → signed merchant webhook; every email once")
    func chain() async throws {
        let overrides = [
            "POS_BASE_URL": "http://127.0.0.1:\(18094 + Self.offset)/api/v1", "POS_API_KEY": SuiteProcesses.posAPIKey, "POS_SHOP_ID": Self.shop,
            "POS_WEBHOOK_SECRET": SuiteProcesses.posWebhookSecret, "POS_PUSH_BASE_DELAY_MS": "200", "POS_PUSH_MAX_DELAY_MS": "800",
            "WEBHOOK_ALLOW_PRIVATE_URLS": "true", "WEBHOOK_RETRY_SCHEDULE": "1,1,1",
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": String(18095 + Self.offset), "SMTP_SECURITY": "none",
            "EMAIL_RETRY_BASE_MS": "300", "EMAIL_RETRY_MAX_MS": "1000", "EMAIL_FROM": "Trà Sen Shop <orders@trasen.example>",
            "SHOP_NAME": "Trà Sen", "SHOP_LANGUAGE": "vi", "STOREFRONT_URL": "https://trasen.example",
        ]
        try await withServices(Self.services, portOffset: Self.offset, overrides: overrides) { client, suite in
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            let staff = ["Authorization": "Bearer \(admin)"]
            let sink = try SuiteProcesses.startTool("smtp_sink.py", [String(suite.smtpPort), String(suite.smtpInboxPort), "1"])
            defer { SuiteProcesses.stopTool(sink) }
            let pos = try SuiteProcesses.startTool("pos_fake.py", [String(suite.posPort), Self.shop, SuiteProcesses.posAPIKey, "1"])
            defer { SuiteProcesses.stopTool(pos) }
            let receiver = try SuiteProcesses.startTool("webhook_receiver.py", [String(suite.merchantEndpointPort), Self.merchantSecret, "0"])
            defer { SuiteProcesses.stopTool(receiver) }
            for port in [suite.smtpInboxPort, suite.posPort] {
                let path = port == suite.posPort ? "/_orders" : "/_received"
                #expect(try await waitUntil(timeout: .seconds(15)) { (try? await get(client, "http://127.0.0.1:\(port)\(path)"))?.status == 200 })
            }
            let endpoint = try await send(client, "POST", base + "/api/fulfillment/admin/webhooks/endpoints", json: [
                "url": "http://127.0.0.1:\(suite.merchantEndpointPort)/hooks", "event_types": ["shop.fulfillment.shipment.shipped.v1"],
                "secret": Self.merchantSecret], headers: staff)
            #expect(endpoint.status == 201)

            // A customer pays for two teas by bank transfer.
            let email = "\(unique("lan"))@example.com"
            let lan = try await customer(client, base, email: email)
            let tea = try await product(client, base, admin: admin, stock: 10, price: 120_000)
            let placed = try await checkOut(client, base, lan, order(cart: try await cart(client, base, lan, variant: tea, quantity: 2),
                                                                     method: "bank_transfer", email: email))
            let orderID = try #require(placed.json?["order_id"] as? String)
            let number = try #require(placed.json?["order_number"] as? String)
            let total = try #require(minor((placed.json?["price"] as? [String: Any])?["total"]))
            #expect(try await sepay(client, suite, content: "DH \(number)", amount: total).status == 200)

            // The server refused the first email once (451; the account's verification link) and took it on the retry;
            // the order confirmation and the payment email arrive.
            let confirmation = try #require(try await mail(client, suite, to: email, kind: "order_confirmation"), "order confirmation arrived")
            #expect(confirmation["subject"] as? String == "Đã nhận đơn hàng \(number)")
            #expect(confirmation["from"] as? String == "Trà Sen Shop <orders@trasen.example>" && confirmation["content_type"] as? String == "multipart/alternative")
            #expect((confirmation["text"] as? String)?.contains("2 × Trà sen") == true && (confirmation["text"] as? String)?.contains("270.000 ₫") == true,
                    "lines and the total in Vietnamese money: \(confirmation["text"] ?? "")")
            #expect((confirmation["html"] as? String)?.contains("https://trasen.example/orders/\(number)") == true)
            let paid = try #require(try await mail(client, suite, to: email, kind: "payment_received"))
            #expect((paid["text"] as? String)?.contains("270.000 ₫") == true)
            #expect(try await inbox(client, suite).refused == 1, "the sink refused the first message once")

            // The POS gets the order on its second try; its webhook ships it with tracking.
            let pushed = try await waitUntil(timeout: .seconds(20)) {
                try await send(client, "GET", base + "/api/fulfillment/admin/pos/pushes/\(orderID)", headers: staff).json?["status"] as? String == "pushed"
            }
            #expect(pushed)
            let push = try #require(try await send(client, "GET", base + "/api/fulfillment/admin/pos/pushes/\(orderID)", headers: staff).json)
            #expect(push["attempts"] as? Int == 2, "\(push)")
            let posOrderID = try #require(push["pos_order_id"] as? String)
            let shipment = try await send(client, "GET", base + "/api/fulfillment/orders/\(orderID)/shipments", headers: lan)
            #expect((shipment.json?["shipments"] as? [[String: Any]])?.count == 1, "one shipment for the paid order")
            let webhook = try await send(client, "POST", "http://127.0.0.1:\(suite.posPort)/_webhook", json: [
                "target": "http://127.0.0.1:\(suite.fulfillmentWebhookPort)/webhooks/pos", "secret": SuiteProcesses.posWebhookSecret, "timestamp_offset": 0,
                "event": ["event_id": "pos-\(posOrderID)-shipped", "order_id": posOrderID, "status": "shipped",
                          "partner": ["name": "GHN", "tracking_number": "GHN-88-123", "tracking_url": "https://donhang.ghn.vn/?order_code=GHN-88-123"]]])
            #expect(webhook.json?["status"] as? Int == 200)
            #expect(try await waitUntil(timeout: .seconds(15)) { try await orderDetail(client, base, admin: admin, orderID)["status"] as? String == "shipped" })

            // The customer's email carries the tracking; the merchant's endpoint got the signed event.
            let shipped = try #require(try await mail(client, suite, to: email, kind: "shipped"), "shipped email arrived")
            #expect(shipped["subject"] as? String == "Đơn hàng \(number) đang được giao")
            #expect((shipped["text"] as? String)?.contains("Mã vận đơn: GHN-88-123") == true && (shipped["text"] as? String)?.contains("GHN") == true,
                    "\(shipped["text"] ?? "")")
            #expect((shipped["html"] as? String)?.contains("https://donhang.ghn.vn/?order_code=GHN-88-123") == true)
            var hooks: [[String: Any]] = []
            _ = try await waitUntil(timeout: .seconds(15)) {
                hooks = try await get(client, "http://127.0.0.1:\(suite.merchantEndpointPort)/_received").jsonArray ?? []
                return !hooks.isEmpty
            }
            let hook = try #require(hooks.first)
            #expect(hook["verified"] as? Bool == true, "standardwebhooks verified it: \(hook)")
            let data = (hook["payload"] as? [String: Any])?["data"] as? [String: Any]
            #expect(data?["order_number"] as? String == number && (data?["tracking"] as? [String: Any])?["number"] as? String == "GHN-88-123")

            // Each event made its email once; staff see them all sent, the refused one after two attempts.
            try await Task.sleep(for: .seconds(2))
            let mine = try await inbox(client, suite).received.filter { ($0["rcpt_tos"] as? [String])?.contains(email) == true }
            #expect(mine.compactMap { $0["kind"] as? String }.sorted() == ["email_verification", "order_confirmation", "payment_received", "shipped"],
                    "\(mine.map { $0["kind"] ?? "" })")
            #expect(Set(mine.compactMap { $0["message_id"] as? String }).count == 4)
            let orderLog = try await send(client, "GET", base + "/api/fulfillment/admin/emails?order_id=\(orderID)", headers: staff)
            #expect((orderLog.json?["items"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }.sorted() == ["order_confirmation", "payment_received", "shipped"])
            let log = try await send(client, "GET", base + "/api/fulfillment/admin/emails?page_size=100", headers: staff)
            let records = (log.json?["items"] as? [[String: Any]] ?? []).filter { $0["recipient"] as? String == email }
            #expect(records.count == 4 && records.allSatisfy { $0["status"] as? String == "sent" }, "\(records)")
            #expect(records.filter { $0["attempts"] as? Int == 2 }.count == 1 && records.filter { $0["attempts"] as? Int == 1 }.count == 3,
                    "the refused one was sent on its second attempt")
            #expect(try await send(client, "GET", base + "/api/fulfillment/admin/emails", headers: lan).status == 403, "customers do not read the email log")
        }
    }

    @Test("over STARTTLS with a password: password reset arrives as a working single-use link; verifying the email gives the customer their guest orders; an abandoned cart is reminded, with a one-click unsubscribe that holds; without a server emails wait")
    func accountEmails() async throws {
        let certificates = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-tls-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: certificates, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: certificates) }
        let overrides = [
            "SMTP_HOST": "localhost", "SMTP_PORT": String(18095 + Self.offset + 20), "SMTP_SECURITY": "starttls",
            "SMTP_USERNAME": "shop-mailer", "SMTP_PASSWORD": "mailer-password-0123", "SMTP_CA_FILE": certificates.appendingPathComponent("cert.pem").path,
            "SHOP_LANGUAGE": "en",
            "STOREFRONT_URL": "https://trasen.example", "CART_ABANDON_AFTER_SECONDS": "2", "CART_SCAN_SECONDS": "1",
            "EMAIL_RETRY_BASE_MS": "300", "EMAIL_RETRY_MAX_MS": "1000", "EMAIL_MAX_ATTEMPTS": "100",
        ]
        try await withServices(Self.services, portOffset: Self.offset + 20, overrides: overrides) { client, suite in
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            let email = "\(unique("minh"))@example.com"
            let registered = try await send(client, "POST", base + "/api/auth/register", json: ["email": email, "password": "correct horse battery", "name": "Minh"])
            #expect(registered.status == 201)
            #expect(try await send(client, "POST", base + "/api/auth/password-reset", json: ["email": email]).status == 202)

            // No SMTP server yet: the email waits (pending) and is sent once the server is there.
            let pending = try await waitUntil(timeout: .seconds(15)) {
                let list = try await send(client, "GET", base + "/api/fulfillment/admin/emails?status=pending", headers: ["Authorization": "Bearer \(admin)"])
                return (list.json?["items"] as? [[String: Any]] ?? []).contains { $0["recipient"] as? String == email && $0["kind"] as? String == "password_reset" }
            }
            #expect(pending, "queued while the server is down")
            let sink = try SuiteProcesses.startTool("smtp_sink.py", [String(suite.smtpPort), String(suite.smtpInboxPort), "0", certificates.path,
                                                                     "shop-mailer", "mailer-password-0123"])
            defer { SuiteProcesses.stopTool(sink) }
            let reset = try #require(try await mail(client, suite, to: email, kind: "password_reset"), "the reset email arrived once the server was up")
            #expect(reset["tls"] as? Bool == true && reset["login"] as? String == "shop-mailer", "sent after STARTTLS, signed in: \(reset)")
            #expect(reset["subject"] as? String == "Reset your Commerce Shop password")
            let text = try #require(reset["text"] as? String)
            let link = try #require(text.firstMatch(of: /https:\/\/trasen\.example\/reset-password\?token=([A-Za-z0-9_\-]+)/), "a reset link: \(text)")
            let token = String(link.output.1)
            let confirm = try await send(client, "POST", base + "/api/auth/password-reset/confirm", json: ["token": token, "new_password": "a brand new secret"])
            #expect(confirm.status == 204, "the emailed token resets the password")
            let login = try await send(client, "POST", base + "/api/auth/login", json: ["email": email, "password": "a brand new secret"])
            #expect(login.status == 200)
            #expect(try await send(client, "POST", base + "/api/auth/password-reset/confirm", json: ["token": token, "new_password": "another one here"]).status == 422,
                    "single use")
            let record = try await send(client, "GET", base + "/api/fulfillment/admin/emails?status=sent", headers: ["Authorization": "Bearer \(admin)"])
            #expect((record.json?["items"] as? [[String: Any]] ?? []).contains { $0["kind"] as? String == "password_reset" && $0["recipient"] as? String == email })

            // Minh leaves goods in the cart: the reminder names them and links to the cart.
            let fresh = ["Authorization": "Bearer \(try #require(login.json?["access_token"] as? String))"]
            let tea = try await product(client, base, admin: admin, stock: 5, price: 99_000)
            _ = try await cart(client, base, fresh, variant: tea, quantity: 3)
            let reminder = try #require(try await mail(client, suite, to: email, kind: "abandoned_cart"), "the abandoned-cart reminder arrived")
            #expect(reminder["subject"] as? String == "You left something in your cart")
            #expect((reminder["text"] as? String)?.contains("3 × Trà sen") == true && (reminder["html"] as? String)?.contains("https://trasen.example/cart") == true)

            // The reminder carries a one-click unsubscribe (RFC 8058); once used, the cart's next abandonment sends nothing.
            #expect(reminder["list_unsubscribe_post"] as? String == "List-Unsubscribe=One-Click")
            let header = try #require(reminder["list_unsubscribe"] as? String)
            let oneClick = String(header.dropFirst().dropLast())
            #expect(oneClick.hasPrefix(base + "/api/fulfillment/email-preferences/unsubscribe?customer="), "\(header)")
            #expect((reminder["text"] as? String)?.contains("https://trasen.example/unsubscribe?customer=") == true)
            let preferences = base + "/api/fulfillment/email-preferences"
            #expect(try await send(client, "GET", preferences, headers: fresh).json?["reminders"] as? Bool == true)
            let forged = try await send(client, "POST", String(oneClick.dropLast()) + (oneClick.hasSuffix("0") ? "1" : "0"),
                                        bytes: Data("List-Unsubscribe=One-Click".utf8), headers: ["Content-Type": "application/x-www-form-urlencoded"])
            #expect(forged.status == 403)
            let unsubscribed = try await send(client, "POST", oneClick, bytes: Data("List-Unsubscribe=One-Click".utf8),
                                              headers: ["Content-Type": "application/x-www-form-urlencoded"])
            #expect(unsubscribed.status == 204)
            #expect(try await send(client, "GET", preferences, headers: fresh).json?["reminders"] as? Bool == false)
            let cartID = try #require(try await send(client, "POST", base + "/api/catalog/carts", headers: fresh).json?["id"] as? String)
            _ = try await send(client, "POST", base + "/api/catalog/carts/\(cartID)/lines", json: ["variant_id": tea, "quantity": 1], headers: fresh)
            // Idle 2 s, scanned each second: after 6 s the cart has been announced again; one read of the whole topic checks.
            try await Task.sleep(for: .seconds(6))
            let catalogEvents = try await TopicReader.read(topic: suite.topicPrefix + Topic.catalog, expected: 1)
                .compactMap { try? EventEnvelope.decode(Data($0.value)) }
            #expect(catalogEvents.filter { $0.type == CartAbandoned.eventType && $0.subject == cartID }.count == 2, "the cart was abandoned again")
            #expect(try await inbox(client, suite).received.filter { ($0["rcpt_tos"] as? [String])?.contains(email) == true && $0["kind"] as? String == "abandoned_cart" }.count == 1,
                    "no second reminder after unsubscribing")
            let resumed = try await send(client, "PUT", preferences, json: ["reminders": true], headers: fresh)
            #expect(resumed.status == 200 && resumed.json?["reminders"] as? Bool == true)
            #expect(try await send(client, "GET", preferences).status == 401)

            // A guest orders with an address, then opens an account with it: the order joins the account once the email is verified.
            let guestEmail = "\(unique("hoa"))@example.com"
            let guest = try await guestCart(client, base, variant: tea, quantity: 1)
            let guestOrder = try await checkOut(client, base, guest.who, order(cart: guest.cart, method: "cod", email: guestEmail))
            let guestOrderID = try #require(guestOrder.json?["order_id"] as? String)
            let hoaSession = try await send(client, "POST", base + "/api/auth/register", json: ["email": guestEmail.uppercased(), "password": "correct horse battery", "name": "Hoa"])
            let hoa = ["Authorization": "Bearer \(try #require(hoaSession.json?["access_token"] as? String))"]
            #expect((hoaSession.json?["customer"] as? [String: Any])?["email_verified"] as? Bool == false)
            let verification = try #require(try await mail(client, suite, to: guestEmail, kind: "email_verification"), "a verification email")
            #expect(verification["subject"] as? String == "Confirm your email for Commerce Shop")
            let verifyLink = try #require((verification["text"] as? String)?.firstMatch(of: /https:\/\/trasen\.example\/verify-email\?token=([A-Za-z0-9_\-]+)/))
            let history = { try await send(client, "GET", base + "/api/orders/orders", headers: hoa).json?["items"] as? [[String: Any]] ?? [] }
            #expect(try await history().isEmpty, "not before the address is proven")
            #expect(try await send(client, "GET", base + "/api/fulfillment/orders/\(guestOrderID)/shipments", headers: hoa).status == 404)
            let wrong = try await send(client, "POST", base + "/api/auth/verify-email", json: ["token": "not-a-token"])
            #expect(wrong.status == 422 && (wrong.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "token")
            #expect(try await send(client, "POST", base + "/api/auth/verify-email", json: ["token": String(verifyLink.output.1)]).status == 204)
            #expect(try await send(client, "POST", base + "/api/auth/verify-email", json: ["token": String(verifyLink.output.1)]).status == 422, "single use")
            #expect(try await send(client, "GET", base + "/api/me", headers: hoa).json?["email_verified"] as? Bool == true)
            #expect(try await send(client, "POST", base + "/api/me/email-verification", headers: hoa).status == 409)
            #expect(try await waitUntil(timeout: .seconds(15)) { try await history().contains { $0["id"] as? String == guestOrderID } },
                    "the guest order is in the account's history")
            let stats = try await send(client, "GET", base + "/api/orders/orders/stats", headers: hoa).json
            #expect(stats?["order_count"] as? Int == 1, "\(stats ?? [:])")
            #expect(try await waitUntil(timeout: .seconds(15)) {
                try await send(client, "GET", base + "/api/fulfillment/orders/\(guestOrderID)/shipments", headers: hoa).status == 200
            }, "its parcels too")
            let notes = try await orderDetail(client, base, admin: admin, guestOrderID)["timeline"] as? [[String: Any]] ?? []
            #expect(notes.contains { ($0["note"] as? String)?.hasPrefix("Joined the account") == true })

            // A mailbox the server refuses for good (550): the email is dead after one attempt; staff send it again, it dies again.
            let bounce = "bounce-\(unique("x"))@example.com"
            #expect(try await send(client, "POST", base + "/api/auth/register", json: ["email": bounce, "password": "correct horse battery", "name": "B"]).status == 201)
            let staff = ["Authorization": "Bearer \(admin)"]
            let bounced = { () async throws -> [String: Any]? in
                let list = try await send(client, "GET", base + "/api/fulfillment/admin/emails?status=dead&page_size=100", headers: staff)
                return (list.json?["items"] as? [[String: Any]] ?? []).first { $0["recipient"] as? String == bounce }
            }
            #expect(try await waitUntil(timeout: .seconds(15)) { try await bounced() != nil }, "a refused mailbox makes the email dead")
            let dead = try #require(try await bounced())
            #expect(dead["attempts"] as? Int == 1 && (dead["last_error"] as? String)?.contains("550") == true, "no retries after a 5xx: \(dead)")
            let deadID = try #require(dead["id"] as? String)
            let resent = try await send(client, "POST", base + "/api/fulfillment/admin/emails/\(deadID)/resend", headers: staff)
            #expect(resent.status == 202 && resent.json?["status"] as? String == "pending")
            #expect(try await waitUntil(timeout: .seconds(15)) {
                try await send(client, "GET", base + "/api/fulfillment/admin/emails?status=dead&page_size=100", headers: staff).json.map { page in
                    (page["items"] as? [[String: Any]] ?? []).contains { $0["id"] as? String == deadID && $0["attempts"] as? Int == 1 }
                } ?? false
            }, "tried once more, refused again")
            let sent = try await send(client, "GET", base + "/api/fulfillment/admin/emails?status=sent&page_size=100", headers: staff)
            #expect((sent.json?["items"] as? [[String: Any]] ?? []).contains { $0["recipient"] as? String == email && $0["kind"] as? String == "email_verification" })
            #expect(try await send(client, "POST", base + "/api/fulfillment/admin/emails/\(try #require((sent.json?["items"] as? [[String: Any]])?.first?["id"] as? String))/resend",
                                   headers: staff).status == 409, "a sent email is not sent again")
        }
    }
}
