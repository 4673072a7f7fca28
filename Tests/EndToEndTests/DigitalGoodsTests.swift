import AsyncHTTPClient
import Crypto
import Foundation
import ServiceKitTestKit
import Testing

/// Digital goods through the gateway: a variant marked digital with a file, bought and paid,
/// gives its buyer a signed, expiring link (in the payment email and in the order's download
/// list) that downloads the file for the owner, or for a guest who gives the order number and
/// email, and is refused when expired, tampered with or someone else's. No shipment is made.
@Suite("Digital goods through the gateway", .serialized)
struct DigitalGoodsTests {
    static let services = ["catalog", "checkout", "orders", "payments", "fulfillment", "gateway"]
    static let offset = 920
    /// 20 MiB: more than the gateway ever holds of a JSON answer, so it has to stream.
    static let book = Data("%PDF-1.4\nTrà sen — a short book about lotus tea.\n".utf8) + Data((0..<(20 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) })

    /// A link signed with the shop's key for an expiry of our choosing, as only the shop can make.
    private func signed(_ grant: String, expires: Int) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(expires).\(grant)".utf8),
                                                  using: SymmetricKey(data: Data(SuiteProcesses.downloadLinkSecret.utf8)))
        return "expires=\(expires)&signature=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    @Test("a paid digital order's link downloads once valid, is counted, and is refused after expiry, tampering, or to anyone but its buyer")
    func downloads() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("commerce-downloads-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("ebooks"), withIntermediateDirectories: true)
        try Self.book.write(to: folder.appendingPathComponent("ebooks/tra-sen.pdf"))
        defer { try? FileManager.default.removeItem(at: folder) }
        let overrides = ["DOWNLOADS_DIR": folder.path, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": String(18095 + Self.offset), "SMTP_SECURITY": "none",
                         "SHOP_LANGUAGE": "en", "EMAIL_RETRY_BASE_MS": "300", "EMAIL_RETRY_MAX_MS": "1000"]
        try await withServices(Self.services, portOffset: Self.offset, overrides: overrides) { client, suite in
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            let staff = ["Authorization": "Bearer \(admin)"]
            let sink = try SuiteProcesses.startTool("smtp_sink.py", [String(suite.smtpPort), String(suite.smtpInboxPort), "0"])
            defer { SuiteProcesses.stopTool(sink) }

            // Staff sell an e-book: a digital variant naming its file; a path out of the store is refused.
            let slug = unique("ebook")
            let refused = try await send(client, "POST", base + "/api/catalog/admin/products", json: [
                "slug": slug, "title": "Trà sen e-book",
                "variants": [["sku": unique("EB"), "price": ["minor_units": 50_000, "currency": "VND"], "on_hand": 100, "digital_file": "../etc/passwd"]],
            ], headers: staff)
            #expect(refused.status == 422 && (refused.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "variants[0].digital_file")
            let created = try await send(client, "POST", base + "/api/catalog/admin/products", json: [
                "slug": slug, "title": "Trà sen e-book",
                "variants": [["sku": unique("EB"), "price": ["minor_units": 50_000, "currency": "VND"], "on_hand": 100, "digital_file": "ebooks/tra-sen.pdf"]],
            ], headers: staff)
            let productID = try #require(created.json?["id"] as? String)
            let ebook = try #require((created.json?["variants"] as? [[String: Any]])?.first?["id"] as? String)
            _ = try await send(client, "POST", base + "/api/catalog/admin/products/\(productID)/publish", headers: staff)
            let shown = try await send(client, "GET", base + "/api/catalog/products/\(slug)")
            let variant = try #require((shown.json?["variants"] as? [[String: Any]])?.first)
            #expect(variant["digital"] as? Bool == true && variant["digital_file"] == nil, "shoppers see it is digital, not where the file is")

            // Cash on delivery is not offered for it; a bank transfer pays it.
            let email = "\(unique("lan"))@example.com"
            let lan = try await customer(client, base, email: email)
            let lansCart = try await cart(client, base, lan, variant: ebook, quantity: 1)
            let cod = try await checkOut(client, base, lan, order(cart: lansCart, method: "cod", email: email))
            #expect(cod.status == 422 && (cod.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "payment_method")
            let placed = try await checkOut(client, base, lan, order(cart: lansCart, method: "bank_transfer", email: email))
            let orderID = try #require(placed.json?["order_id"] as? String)
            let number = try #require(placed.json?["order_number"] as? String)
            let total = try #require(minor((placed.json?["price"] as? [String: Any])?["total"]))
            let listURL = base + "/api/fulfillment/orders/\(orderID)/downloads"
            // Fulfilment learns of the order from the orders topic (until then the order is
            // unknown to it, 404); it then lists no downloads before the payment.
            var beforePayment: Answer?
            _ = try await waitUntil(timeout: .seconds(20)) {
                beforePayment = try await send(client, "GET", listURL, headers: lan)
                return beforePayment?.status == 200
            }
            #expect((beforePayment?.json?["downloads"] as? [[String: Any]])?.isEmpty == true, "nothing before payment")
            #expect(try await sepay(client, suite, content: "DH \(number)", amount: total).status == 200)

            var downloads: [[String: Any]] = []
            _ = try await waitUntil(timeout: .seconds(20)) {
                downloads = try await send(client, "GET", listURL, headers: lan).json?["downloads"] as? [[String: Any]] ?? []
                return downloads.first?["status"] as? String == "active"
            }
            let grant = try #require(downloads.first, "a download once paid")
            let link = try #require(grant["url"] as? String)
            let grantID = try #require(grant["id"] as? String)
            #expect(link.hasPrefix(base + "/api/fulfillment/downloads/\(grantID)?expires="))
            let expiresAt = try #require((grant["expires_at"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
            #expect(abs(expiresAt.timeIntervalSinceNow - 48 * 3600) < 120, "48 hours by default: \(expiresAt)")
            #expect((try await send(client, "GET", base + "/api/fulfillment/orders/\(orderID)/shipments", headers: lan).json?["shipments"] as? [[String: Any]])?.isEmpty == true,
                    "nothing to ship")
            #expect(try await waitUntil(timeout: .seconds(15)) { try await orderDetail(client, base, admin: admin, orderID)["status"] as? String == "delivered" },
                    "an order of downloads only is delivered when its links are issued")
            let timeline = try await orderDetail(client, base, admin: admin, orderID)["timeline"] as? [[String: Any]] ?? []
            #expect(timeline.contains { ($0["note"] as? String)?.hasPrefix("Downloads ready until ") == true && ($0["note"] as? String)?.hasSuffix("Trà sen e-book") == true },
                    "\(timeline)")
            #expect(try await send(client, "POST", base + "/api/orders/orders/\(orderID)/cancel", headers: lan).status == 409, "too late to cancel")

            // The payment email carries the same link.
            let paymentEmail = try await mail(client, suite, to: email, kind: "payment_received")
            #expect((paymentEmail?["text"] as? String)?.contains(link) == true, "the link is in the email: \(paymentEmail?["text"] ?? "none")")
            #expect((paymentEmail?["text"] as? String)?.contains("packing") == false, "nothing is packed for a download")

            // The owner downloads it; it is counted.
            let file = try await send(client, "GET", link, headers: lan)
            #expect(file.status == 200 && file.body == Self.book, "the file itself (\(file.body.count) of \(Self.book.count) bytes)")
            #expect(file.header("Content-Length") == String(Self.book.count))
            #expect(file.header("Content-Disposition") == "attachment; filename=\"tra-sen.pdf\"" && file.contentType == "application/pdf")
            #expect((try await send(client, "GET", listURL, headers: lan).json?["downloads"] as? [[String: Any]])?.first?["downloads"] as? Int == 1)

            // Nobody else, and no changed link.
            let mai = try await customer(client, base)
            #expect(try await send(client, "GET", link, headers: mai).status == 404, "another customer")
            #expect(try await send(client, "GET", listURL, headers: mai).status == 404)
            #expect(try await send(client, "GET", link).status == 401, "signed out")
            let tampered = String(link.dropLast()) + (link.hasSuffix("0") ? "1" : "0")
            let forged = try await send(client, "GET", tampered, headers: lan)
            #expect(forged.status == 403 && forged.problemType == "/problems/link-invalid")
            let expiresParam = try #require(link.firstMatch(of: /expires=([0-9]+)/)).output.1
            let later = link.replacingOccurrences(of: "expires=\(expiresParam)", with: "expires=\(Int(expiresParam)! + 86_400)")
            #expect(try await send(client, "GET", later, headers: lan).status == 403, "a later expiry breaks the signature")
            let noSignature = try await send(client, "GET", base + "/api/fulfillment/downloads/\(grantID)?expires=\(expiresParam)", headers: lan)
            #expect(noSignature.status == 422 && (noSignature.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "signature")

            // Expired: a link whose time has passed (signed by the shop's key), and the grant itself after 48 hours.
            let past = Int(Date().timeIntervalSince1970) - 60
            let stale = try await send(client, "GET", base + "/api/fulfillment/downloads/\(grantID)?" + signed(grantID, expires: past), headers: lan)
            #expect(stale.status == 410 && stale.problemType == "/problems/link-expired")
            try await suite.runSQL(in: "fulfillment", "UPDATE download_grants SET expires_at = now() - interval '1 second' WHERE id = '\(grantID)'")
            let afterExpiry = try await send(client, "GET", link, headers: lan)
            #expect(afterExpiry.status == 410 && afterExpiry.problemType == "/problems/link-expired", "the grant ran out")
            let listed = try #require((try await send(client, "GET", listURL, headers: lan).json?["downloads"] as? [[String: Any]])?.first)
            #expect(listed["status"] as? String == "expired" && listed["url"] == nil && listed["downloads"] as? Int == 1)

            // A guest buys it too and downloads with the order number and email.
            let guest = try await guestCart(client, base, variant: ebook, quantity: 1)
            let guestEmail = "\(unique("guest"))@example.com"
            let guestOrder = try await checkOut(client, base, guest.who, order(cart: guest.cart, method: "bank_transfer", email: guestEmail))
            let guestNumber = try #require(guestOrder.json?["order_number"] as? String)
            #expect(try await sepay(client, suite, content: "DH \(guestNumber)", amount: total).status == 200)
            let proof = "number=\(guestNumber)&email=\(guestEmail.uppercased())"
            var guestLink: String?
            _ = try await waitUntil(timeout: .seconds(20)) {
                let list = try await send(client, "GET", base + "/api/fulfillment/downloads?\(proof)")
                guestLink = (list.json?["downloads"] as? [[String: Any]])?.first?["url"] as? String
                return guestLink != nil
            }
            let guestURL = try #require(guestLink)
            #expect(try await send(client, "GET", guestURL).status == 401, "a guest order's link needs its number and email")
            #expect(try await send(client, "GET", guestURL + "&number=\(guestNumber)&email=someone@example.com").status == 404)
            #expect(try await send(client, "GET", base + "/api/fulfillment/downloads?number=\(guestNumber)&email=someone@example.com").status == 404)
            let guestFile = try await send(client, "GET", guestURL + "&" + proof)
            #expect(guestFile.status == 200 && guestFile.body == Self.book)
            #expect(try await send(client, "GET", guestURL, headers: lan).status == 401, "being signed in is not the guest's proof")
        }
    }
}
