import EventContracts
import Foundation
import Logging
import Money
import Persistence
import Testing
@testable import Fulfillment

/// Customer emails before they travel: every template of both languages renders, values are
/// escaped in HTML and not in text, money and times read as the language writes them, and the
/// message on the wire is well-formed MIME that cannot be split by a hostile name.
@Suite("Customer email rules")
struct EmailRulesTests {
    nonisolated(unsafe) static let values: [String: Any] = [
        "shopName": "Trà Sen", "customerName": "Lan <script>alert(1)</script>", "orderNumber": "SHOP-20261122-0042",
        "orderUrl": "https://shop.example/orders/SHOP-20261122-0042", "total": "270.000 ₫", "amount": "100.000 ₫",
        "refundedTotal": "100.000 ₫", "captured": "270.000 ₫", "fullyRefunded": false,
        "lines": [["title": "Trà sen", "sku": "TEA-1", "quantity": 2, "lineTotal": "240.000 ₫"]],
        "method": ["bank_transfer": true], "reason": ["payment_timeout": true], "allShipped": true, "allDelivered": true,
        "tracking": ["carrier": "GHN", "number": "GHN123", "url": "https://donhang.ghn.vn/?order_code=GHN123"],
        "resetUrl": "https://shop.example/reset-password?token=abc", "verifyUrl": "https://shop.example/verify-email?token=abc", "expiresAt": "22/11/2026 15:00", "cartUrl": "https://shop.example/cart", "unsubscribeUrl": "https://shop.example/unsubscribe?customer=1&signature=2",
        "hasShipment": true, "hasDownloads": true, "downloads": [["title": "E-book", "url": "https://shop.example/d/1?x=1&y=2"]],
        "downloadsExpireAt": "24/11/2026 15:00",
    ]

    @Test("every kind renders in English and Vietnamese: a subject on one line, text and HTML with the order's facts")
    func everyTemplate() throws {
        let templates = try EmailTemplates()
        for language in EmailLanguage.allCases {
            for kind in EmailKind.allCases {
                let email = templates.render(kind, in: language, values: Self.values)
                #expect(!email.subject.isEmpty && !email.subject.contains("\n") && !email.subject.contains("{{"), "\(language) \(kind): \(email.subject)")
                #expect(email.text.count > 40 && !email.text.contains("{{"), "\(language) \(kind)")
                #expect(email.html.hasPrefix("<!doctype html>") && email.html.contains("lang=\"\(language.rawValue)\""), "\(language) \(kind)")
                #expect(email.text.contains("Lan <script>"), "text is not escaped")
                #expect(!email.html.contains("<script>") && email.html.contains("Lan &lt;script&gt;"), "HTML escapes what customers typed")
            }
        }
        let shipped = templates.render(.shipped, in: .vietnamese, values: Self.values)
        #expect(shipped.subject == "Đơn hàng SHOP-20261122-0042 đang được giao")
        #expect(shipped.text.contains("Mã vận đơn: GHN123") && shipped.text.contains("https://donhang.ghn.vn/?order_code=GHN123"))
        let paid = templates.render(.paymentReceived, in: .english, values: Self.values)
        #expect(paid.text.contains("https://shop.example/d/1?x=1&y=2") && paid.html.contains("https://shop.example/d/1?x=1&amp;y=2"))
        let cancelled = templates.render(.cancelled, in: .english, values: Self.values)
        #expect(cancelled.text.contains("because no payment arrived in time"))
    }

    @Test("a template file replaces the built-in one; a broken one stops start-up")
    func overrides() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("templates-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("en"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("{{%CONTENT_TYPE: TEXT}}Your {{shopName}} order {{orderNumber}}".utf8)
            .write(to: folder.appendingPathComponent("en/order_confirmation.subject.mustache"))
        let templates = try EmailTemplates(overrides: folder.path)
        #expect(templates.render(.orderConfirmation, in: .english, values: Self.values).subject == "Your Trà Sen order SHOP-20261122-0042")
        #expect(templates.render(.orderConfirmation, in: .vietnamese, values: Self.values).subject == "Đã nhận đơn hàng SHOP-20261122-0042")
        try Data("{{#lines}}unclosed".utf8).write(to: folder.appendingPathComponent("en/shipped.text.mustache"))
        #expect(throws: (any Error).self) { try EmailTemplates(overrides: folder.path) }
    }

    @Test("money and times as each language writes them")
    func locale() {
        let vi = EmailLocale(language: .vietnamese, timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
        let en = EmailLocale(language: .english, timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
        #expect(vi.money(Money(minorUnits: 1_530_000, currency: .vnd)) == "1.530.000 ₫")
        #expect(en.money(Money(minorUnits: 1_530_000, currency: .vnd)) == "1,530,000 VND")
        #expect(en.money(Money(minorUnits: 1_250, currency: .usd)) == "12.50 USD")
        #expect(vi.money(Money(minorUnits: 5, currency: .usd)) == "0,05 USD")
        #expect(en.money(Money(minorUnits: -99, currency: .vnd)) == "-99 VND")
        let noonUTC = Date(timeIntervalSince1970: 1_795_000_000)
        #expect(vi.date(noonUTC).hasSuffix("/2026") && vi.date(noonUTC).count == "HH:mm dd/MM/yyyy".count)
    }

    @Test("the message: encoded subject and names, both parts in base64, dot-stuffed data, no header injection")
    func message() throws {
        #expect(MailMessage.Mailbox(name: "x", address: "lan@example.com\r\nBcc: all@example.com") == nil)
        #expect(MailMessage.Mailbox(name: nil, address: "no-at-sign") == nil)
        let from = try #require(MailMessage.Mailbox(parsing: "Trà Sen <orders@trasen.example>"))
        #expect(from.name == "Trà Sen" && from.address == "orders@trasen.example")
        let to = try #require(MailMessage.Mailbox(name: "Lan\r\nBcc: x@example.com", address: "lan@example.com"))
        let message = MailMessage(from: from, to: to, subject: "Đơn hàng đang được giao", text: "Dòng một\n.dòng bắt đầu bằng dấu chấm",
                                  html: "<p>Xin chào</p>", messageId: "abc@trasen.example", date: Date(timeIntervalSince1970: 0))
        let rendered = message.rendered()
        let headers = rendered.components(separatedBy: "\r\n\r\n").first ?? ""
        #expect(!headers.contains("\nBcc:") && headers.contains("To: =?UTF-8?B?"), "a line break in a name stays inside the encoded word")
        #expect(headers.contains("Subject: =?UTF-8?B?\(Data("Đơn hàng đang được giao".utf8).base64EncodedString())?="))
        #expect(headers.contains("Date: Thu, 01 Jan 1970 00:00:00 +0000") && headers.contains("Message-ID: <abc@trasen.example>"))
        #expect(rendered.contains("Content-Type: text/plain; charset=utf-8") && rendered.contains("Content-Type: text/html; charset=utf-8"))
        let data = message.dataSection()
        #expect(data.hasSuffix("\r\n.\r\n") && !data.dropLast(5).contains("\r\n.\r\n"), "only the end marker is a lone dot")
        #expect(rendered.split(separator: "\r\n").allSatisfy { $0.utf8.count <= 998 }, "no line over SMTP's limit")
    }

    @Test("download links: signed for one grant and one expiry; files only from inside the store")
    func downloadLinks() async throws {
        #expect(LinkSigner(secret: "") == nil)
        let link = try #require(LinkSigner(secret: "s3cret"))
        let grant = UUID()
        let signature = link.signature(of: LinkSigner.download(grant: grant, expires: 1_800_000_000))
        #expect(link.isValid(signature, of: LinkSigner.download(grant: grant, expires: 1_800_000_000)))
        #expect(link.isValid(signature.uppercased(), of: LinkSigner.download(grant: grant, expires: 1_800_000_000)))
        #expect(!link.isValid(signature, of: LinkSigner.download(grant: grant, expires: 1_800_000_001)))
        #expect(!link.isValid(signature, of: LinkSigner.download(grant: UUID(), expires: 1_800_000_000)))
        #expect(!link.isValid(String(signature.dropLast()), of: LinkSigner.download(grant: grant, expires: 1_800_000_000)))
        #expect(!(LinkSigner(secret: "other")!).isValid(signature, of: LinkSigner.download(grant: grant, expires: 1_800_000_000)))
        let storeB = StoreID.new()
        #expect(!link.isValid(signature, of: LinkSigner.download(grant: grant, expires: 1_800_000_000, store: storeB)),
                "a link of the original store does not open the grant in another store")
        let signedForB = link.signature(of: LinkSigner.download(grant: grant, expires: 1_800_000_000, store: storeB))
        #expect(link.isValid(signedForB, of: LinkSigner.download(grant: grant, expires: 1_800_000_000, store: storeB)))
        #expect(!link.isValid(signedForB, of: LinkSigner.download(grant: grant, expires: 1_800_000_000, store: .new())))
        let database = Database(settings: try DatabaseSettings(url: "postgres://u:p@127.0.0.1:1/db", schema: "fulfillment"),
                                applicationName: "test", logger: Logger(label: "test"))
        let grants = DownloadGrantStore(database: database, signer: link, lifetime: .seconds(60),
                                        linkBase: "https://api.example/api/fulfillment/downloads")
        let inB = await StoreScope.run(for: storeB) { grants.url(grant, expiresAt: Date(timeIntervalSince1970: 1_800_000_000)) }
        #expect(inB == "https://api.example/api/fulfillment/downloads/\(grant.uuidString.lowercased())?expires=1800000000&store=\(storeB)&signature=\(signedForB)",
                "a store's emailed link names its store, signed")

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("books"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("book".utf8).write(to: folder.appendingPathComponent("books/a.pdf"))
        try Data("secret".utf8).write(to: folder.deletingLastPathComponent().appendingPathComponent("outside-\(folder.lastPathComponent).txt"))
        let store = DirectoryDownloadStore(path: folder.path)
        #expect(try store.open("books/a.pdf")?.size == 4)
        #expect(store.locate("books/a.pdf")?.lastPathComponent == "a.pdf")
        for hostile in ["../outside-\(folder.lastPathComponent).txt", "/etc/passwd", "books/../../x", "books", "", ".hidden", "books//a.pdf"] {
            #expect(try store.open(hostile) == nil, "\(hostile)")
        }
    }
}
