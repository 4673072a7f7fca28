import AsyncHTTPClient
import Foundation
import NIOCore
import ServiceKitTestKit
import Testing

/// The order saga through the gateway, with every service that takes part running as a real
/// process: checkout → catalog reservation → order → payment (cash on delivery, a SePay bank
/// transfer with its VietQR code, a card paid by a webhook signed the way Stripe signs) →
/// refunds and the ledger; expiry of unpaid checkouts and money that comes too late.
@Suite("Checkout, payments and orders through the gateway", .serialized)
struct CheckoutSagaTests {
    static let services = ["catalog", "checkout", "orders", "payments", "gateway"]
    /// These tests place many orders from one address, some more than once when the machine
    /// is busy (a cart's snapshot not yet at checkout): the per-address placement limit has its
    /// own test (StaffAndAuthorizationTests) and would answer part of these 429.
    static let placements = ["ORDER_PLACEMENTS_PER_HOUR": "100000"]

    private func stock(_ client: HTTPClient, _ base: String, admin: String, variant: String) async throws -> [String: Any]? {
        try await send(client, "GET", base + "/api/catalog/admin/variants/\(variant)/stock",
                       headers: ["Authorization": "Bearer \(admin)"]).json?["level"] as? [String: Any]
    }

    /// Runs one of the Python tools with `input` on standard input; returns its output. It
    /// runs on a Dispatch thread: the interpreter and its imports take a second or more, and
    /// holding the cooperative pool's few threads that long starves every other suite's tasks.
    private func python(_ script: String, _ arguments: [String], input: String = "") async throws -> String {
        let (status, output, errors) = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { () throws -> (Int32, String, String) in
                    let process = Process()
                    process.executableURL = SuiteProcesses.pythonTool("python")
                    process.arguments = [SuiteProcesses.repositoryRoot.appendingPathComponent("Tests/Tools/\(script)").path] + arguments
                    let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
                    process.standardInput = stdin
                    process.standardOutput = stdout
                    process.standardError = stderr
                    try process.run()
                    stdin.fileHandleForWriting.write(Data(input.utf8))
                    try stdin.fileHandleForWriting.close()
                    let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                    let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                    process.waitUntilExit()
                    return (process.terminationStatus, output, errors)
                })
            }
        }
        #expect(status == 0, "\(script): \(errors)")
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A card webhook event as Stripe sends it, with the header Stripe's library makes for it.
    private func cardEvent(_ type: String, id: String, object: [String: Any], offset: Int = 0) async throws -> (body: Data, signature: String) {
        let event: [String: Any] = ["id": id, "object": "event", "type": type, "api_version": "2024-06-20",
                                    "created": Int(Date().timeIntervalSince1970), "data": ["object": object]]
        let body = try JSONSerialization.data(withJSONObject: event)
        let signature = try await python("stripe_sign.py", [SuiteProcesses.cardWebhookSecret, String(offset)], input: String(decoding: body, as: UTF8.self))
        return (body, signature)
    }

    private func postCard(_ client: HTTPClient, _ suite: SuiteProcesses, _ event: (body: Data, signature: String)) async throws -> Answer {
        try await send(client, "POST", "http://127.0.0.1:\(suite.paymentsWebhookPort)/webhooks/stripe", bytes: event.body,
                       headers: ["Content-Type": "application/json", "Stripe-Signature": event.signature])
    }

    private func startCardProvider(_ suite: SuiteProcesses) throws -> Process {
        try SuiteProcesses.startTool("card_provider.py", [String(suite.cardProviderPort), SuiteProcesses.cardSecretKey])
    }

    /// The VND line of the merchant balance.
    private func ledgerVND(_ client: HTTPClient, _ base: String, _ staff: [String: String]) async throws -> [String: Int] {
        let lines = try await send(client, "GET", base + "/api/payments/admin/balance", headers: staff).json?["balances"] as? [[String: Any]]
        let line = lines?.first { $0["currency"] as? String == "VND" } ?? [:]
        return ["captured": line["captured"] as? Int ?? 0, "refunded": line["refunded"] as? Int ?? 0, "balance": line["balance"] as? Int ?? 0]
    }


    @Test("cash on delivery: placed and confirmed in one call, idempotent, validated, private to its customer; out of stock is rejected with the short lines")
    func cashOnDelivery() async throws {
        try await withServices(Self.services, portOffset: 700, overrides: Self.placements) { client, suite in
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            let variant = try await product(client, base, admin: admin, stock: 4, price: 120_000)
            let lan = try await customer(client, base)
            let lansCart = try await cart(client, base, lan, variant: variant, quantity: 2)

            var bad = order(cart: lansCart, method: "cod")
            bad["contact"] = ["name": "Lan", "email": "not-an-email", "phone": "0212345678"]
            bad["shipping_address"] = ["country": "VN", "line1": "12 Lý Thái Tổ", "district": "Hoàn Kiếm", "province": "Hà Nội"]
            let refused = try await checkOut(client, base, lan, bad)
            #expect(refused.status == 422)
            let fields = Set((refused.json?["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
            #expect(fields == ["contact.email", "contact.phone", "shipping_address.ward"], "each bad field is named: \(fields)")
            let noKey = try await send(client, "POST", base + "/api/checkout/checkouts", json: order(cart: lansCart, method: "cod"), headers: lan)
            #expect(noKey.status == 422 && (noKey.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "Idempotency-Key")

            let key = UUID().uuidString
            let placed = try await checkOut(client, base, lan, order(cart: lansCart, method: "cod"), key: key)
            #expect(placed.status == 202 && placed.header("Preference-Applied") == "wait=10")
            #expect(placed.json?["status"] as? String == "completed", "COD completes in one call: \(String(decoding: placed.body, as: UTF8.self))")
            let number = try #require(placed.json?["order_number"] as? String)
            #expect(number.wholeMatch(of: /SHOP-[0-9]{8}-[0-9]{4,}/) != nil, "order number \(number)")
            let price = try #require(placed.json?["price"] as? [String: Any])
            #expect(minor(price["subtotal"]) == 240_000 && minor(price["shipping"]) == 30_000 && minor(price["total"]) == 270_000,
                    "server prices, 30,000 ₫ shipping under 500,000 ₫: \(price)")
            #expect(minor(price["tax"]) == 21_818 && price["tax_inclusive"] as? Bool == true, "VAT 10% inside the goods' price")

            let again = try await checkOut(client, base, lan, order(cart: lansCart, method: "cod"), key: key)
            #expect(again.json?["id"] as? String == placed.json?["id"] as? String && again.header("Idempotent-Replayed") == "true",
                    "the same key and body answer the same checkout")
            let changed = try await checkOut(client, base, lan, order(cart: lansCart, method: "bank_transfer"), key: key)
            #expect(changed.status == 422 && changed.problemType == "/problems/idempotency-key-reused")
            let closed = try await checkOut(client, base, lan, order(cart: lansCart, method: "cod"))
            #expect(closed.status == 409 && closed.problemType == "/problems/cart-closed", "a completed checkout's cart cannot be checked out again")

            let twinCart = try await cart(client, base, lan, variant: variant, quantity: 1)
            var twins: [Answer] = []
            // On a busy machine the cart's snapshot may take longer than checkout waits for it
            // (`cart-not-ready`, a retryable 409 of its own): the pair is then sent again.
            for _ in 0..<5 {
                let twinKey = UUID().uuidString
                async let first = send(client, "POST", base + "/api/checkout/checkouts", json: order(cart: twinCart, method: "cod"),
                                       headers: lan.merging(["Idempotency-Key": twinKey]) { $1 })
                async let second = send(client, "POST", base + "/api/checkout/checkouts", json: order(cart: twinCart, method: "cod"),
                                        headers: lan.merging(["Idempotency-Key": twinKey]) { $1 })
                twins = try await [first, second]
                guard twins.contains(where: { $0.problemType == "/problems/cart-not-ready" }) else { break }
                try await Task.sleep(for: .seconds(1))
            }
            #expect(twins.allSatisfy { $0.status == 202 || ($0.status == 409 && $0.problemType == "/problems/request-in-progress") },
                    "a concurrent duplicate is the same answer or 409: \(twins.map { "\($0.status) \($0.problemType ?? "")" })")
            #expect(Set(twins.filter { $0.status == 202 }.compactMap { $0.json?["id"] as? String }).count == 1, "one checkout")

            let orderID = try #require(placed.json?["order_id"] as? String)
            let mine = try await send(client, "GET", base + "/api/orders/orders/\(orderID)", headers: lan)
            #expect(mine.status == 200 && mine.json?["status"] as? String == "confirmed" && mine.json?["payment_status"] as? String == "collect_on_delivery")
            #expect(mine.json?["number"] as? String == number && minor((mine.json?["price"] as? [String: Any])?["total"]) == 270_000)
            let stranger = try await customer(client, base)
            #expect(try await send(client, "GET", base + "/api/orders/orders/\(orderID)", headers: stranger).status == 404,
                    "another customer's order is 404")
            #expect(try await send(client, "GET", base + "/api/checkout/checkouts/\(try #require(placed.json?["id"] as? String))",
                                   headers: stranger).status == 404)
            let lookup = try await get(client, base + "/api/orders/orders/lookup?number=\(number)&email=LAN@example.com")
            #expect(lookup.status == 200 && lookup.json?["id"] as? String == orderID, "a guest finds the order by number and email")
            #expect(try await get(client, base + "/api/orders/orders/lookup?number=\(number)&email=other@example.com").status == 404)
            let counted = try await waitUntil(timeout: .seconds(15)) {
                try await send(client, "GET", base + "/api/orders/orders/stats", headers: lan).json?["order_count"] as? Int == 2
            }
            #expect(counted, "the customer's figures count the order and its concurrent twin's one order")

            let sold = try await waitUntil(timeout: .seconds(15)) {
                let level = try await stock(client, base, admin: admin, variant: variant)
                return level?["on_hand"] as? Int == 1 && level?["reserved"] as? Int == 0
            }
            #expect(sold, "the confirmed orders' goods are sold (4 − 2 − 1)")
            #expect(try await send(client, "GET", base + "/api/catalog/carts/\(lansCart.0)", headers: lan).json?["status"] as? String == "checked_out")

            let mai = try await customer(client, base)
            let maisCart = try await cart(client, base, mai, variant: variant, quantity: 1)
            let adjust = try await send(client, "POST", base + "/api/catalog/admin/variants/\(variant)/stock/adjustments",
                                        json: ["delta": -1, "reason": "damaged"], headers: ["Authorization": "Bearer \(admin)"])
            #expect(adjust.status == 200)
            let rejected = try await checkOut(client, base, mai, order(cart: maisCart, method: "cod"))
            #expect(rejected.json?["status"] as? String == "rejected" && rejected.json?["problem"] as? String == "out_of_stock",
                    "\(rejected.status) \(String(decoding: rejected.body.prefix(600), as: UTF8.self))")
            let short = try #require((rejected.json?["short_lines"] as? [[String: Any]])?.first)
            #expect(short["variant_id"] as? String == variant && short["requested"] as? Int == 1 && short["available"] as? Int == 0)

            let moved = try await send(client, "POST", base + "/api/orders/admin/orders/\(orderID)/status", json: ["status": "delivered"],
                                       headers: ["Authorization": "Bearer \(admin)"])
            #expect(moved.status == 409 && moved.problemType == "/problems/illegal-transition", "confirmed cannot jump to delivered")
            for status in ["processing", "shipped", "delivered"] {
                let step = try await send(client, "POST", base + "/api/orders/admin/orders/\(orderID)/status", json: ["status": status],
                                          headers: ["Authorization": "Bearer \(admin)"])
                #expect(step.status == 200 && step.json?["status"] as? String == status)
            }
            let collected = try await waitUntil(timeout: .seconds(15)) {
                try await orderDetail(client, base, admin: admin, orderID)["payment_status"] as? String == "paid"
            }
            #expect(collected, "cash is collected when a cash-on-delivery order is delivered")
            let cancel = try await send(client, "POST", base + "/api/orders/orders/\(orderID)/cancel", headers: lan)
            #expect(cancel.status == 409, "a delivered order cannot be cancelled by the customer")
        }
    }

    @Test("bank transfer: VietQR payload, SePay webhook with API key, under-payment then the rest, repeated deliveries count once")
    func bankTransfer() async throws {
        try await withServices(Self.services, portOffset: 720, overrides: Self.placements) { client, suite in
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            let staff = ["Authorization": "Bearer \(admin)"]
            let variant = try await product(client, base, admin: admin, stock: 5, price: 260_000)
            let lan = try await customer(client, base)
            let placed = try await checkOut(client, base, lan, order(cart: try await cart(client, base, lan, variant: variant, quantity: 2),
                                                                     method: "bank_transfer"))
            #expect(placed.json?["status"] as? String == "awaiting_payment", "\(String(decoding: placed.body, as: UTF8.self))")
            let number = try #require(placed.json?["order_number"] as? String)
            let orderID = try #require(placed.json?["order_id"] as? String)
            let total = try #require(minor((placed.json?["price"] as? [String: Any])?["total"]))
            #expect(total == 520_000, "free shipping from 500,000 ₫")
            let payment = try #require(placed.json?["payment"] as? [String: Any])
            #expect(payment["transfer_content"] as? String == "DH \(number)")
            let qr = try JSONSerialization.jsonObject(with: Data(try await python("vietqr_parse.py", [try #require(payment["qr_payload"] as? String)]).utf8))
                as? [String: Any]
            #expect(qr?["valid"] as? Bool == true, "the CRC and structure parse: \(String(describing: qr))")
            #expect(qr?["guid"] as? String == "A000000727" && qr?["service"] as? String == "QRIBFTTA")
            #expect(qr?["bank_bin"] as? String == "970436" && qr?["account"] as? String == "0011001234567")
            #expect(qr?["amount"] as? String == "520000" && qr?["currency"] as? String == "704" && qr?["nation"] as? String == "VN")
            #expect(qr?["purpose"] as? String == "DH \(number)")

            let (transfer900001, transfer900002, transfer900003) = (Int.random(in: 1...1 << 40), Int.random(in: 1...1 << 40), Int.random(in: 1...1 << 40))
            let forged = try await sepay(client, suite, id: transfer900001, content: "DH \(number)", amount: total, key: "wrong")
            #expect(forged.status == 401)
            let compact = "DH " + number.replacingOccurrences(of: "-", with: "")
            let part = try await sepay(client, suite, id: transfer900002, content: "\(compact) chuyen tien", amount: 500_000)
            #expect(part.status == 200 && part.json?["success"] as? Bool == true)
            let underpaid = try await waitUntil(timeout: .seconds(15)) {
                try await orderDetail(client, base, admin: admin, orderID)["payment_status"] as? String == "underpaid"
            }
            #expect(underpaid, "under-payment is recorded and the order stays unpaid")
            #expect(try await orderDetail(client, base, admin: admin, orderID)["status"] as? String == "pending_payment")

            // A storefront showing the payment page waits for the checkout to change from the copy it has.
            let checkoutURL = base + "/api/checkout/checkouts/\(try #require(placed.json?["id"] as? String))"
            let shown = try await send(client, "GET", checkoutURL, headers: lan)
            let tag = try #require(shown.header("ETag"))
            let unchanged = try await send(client, "GET", checkoutURL, headers: lan.merging(["If-None-Match": tag]) { $1 })
            #expect(unchanged.status == 304 && unchanged.header("ETag") == tag && unchanged.body.isEmpty, "the copy is current: 304")
            let waitStarted = ContinuousClock.now
            let waitedOut = try await send(client, "GET", checkoutURL, headers: lan.merging(["If-None-Match": tag, "Prefer": "wait=1"]) { $1 })
            #expect(waitedOut.status == 304 && waitedOut.header("Preference-Applied") == "wait=1" && ContinuousClock.now - waitStarted >= .seconds(1),
                    "nothing changed within the wait: 304 after it")
            let otherTag = try await send(client, "GET", checkoutURL, headers: lan.merging(["If-None-Match": "\"someone-else\""]) { $1 })
            #expect(otherTag.status == 200 && otherTag.json?["status"] as? String == "awaiting_payment")
            async let changed = send(client, "GET", checkoutURL, headers: lan.merging(["If-None-Match": tag, "Prefer": "wait=10"]) { $1 })
            for _ in 0..<3 {
                let rest = try await sepay(client, suite, id: transfer900003, content: "DH \(number)", amount: 20_000)
                #expect(rest.status == 200 && rest.json?["success"] as? Bool == true)
            }
            let completed = try await changed
            #expect(completed.status == 200 && completed.json?["status"] as? String == "completed" && completed.header("ETag") != tag,
                    "the waiting request answers when the money completes the checkout: \(completed.status)")
            let paid = try await waitUntil(timeout: .seconds(15)) {
                try await orderDetail(client, base, admin: admin, orderID)["status"] as? String == "paid"
            }
            #expect(paid, "the rest of the money pays the order")
            let detail = try await send(client, "GET", base + "/api/payments/admin/orders/\(orderID)/payment", headers: staff)
            #expect(minor(detail.json?["captured"]) == 520_000, "the repeated transfer counted once: \(String(decoding: detail.body, as: UTF8.self))")
            #expect((detail.json?["events"] as? [[String: Any]])?.count == 2)
            let checkout = try await send(client, "GET", base + "/api/checkout/checkouts/\(try #require(placed.json?["id"] as? String))", headers: lan)
            #expect(checkout.json?["status"] as? String == "completed")
            let sold = try await waitUntil(timeout: .seconds(15)) {
                let level = try await stock(client, base, admin: admin, variant: variant)
                return level?["on_hand"] as? Int == 3 && level?["reserved"] as? Int == 0
            }
            #expect(sold, "paid goods are sold")

            let found = try await send(client, "GET", base + "/api/orders/admin/orders?q=\(number.suffix(13))&status=paid&payment_status=paid&sort=total_desc",
                                       headers: staff)
            #expect((found.json?["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [orderID] && found.json?["total"] as? Int == 1,
                    "staff find the order by part of its number, status and payment status")
            let byPhone = try await send(client, "GET", base + "/api/orders/admin/orders?q=0912345678&from=2000-01-01&page_size=100", headers: staff)
            #expect((byPhone.json?["items"] as? [[String: Any]])?.contains { $0["id"] as? String == orderID } == true, "and by phone")
            let badDate = try await send(client, "GET", base + "/api/orders/admin/orders?from=yesterday", headers: staff)
            #expect(badDate.status == 422 && (badDate.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "from")
        }
    }

    @Test("card: provider payment over its API, webhooks verified as Stripe signs them, deduplicated; partial and full refunds never beyond the capture; the ledger")
    func card() async throws {
        try await withServices(Self.services, portOffset: 740, overrides: Self.placements) { client, suite in
            let provider = try startCardProvider(suite)
            defer { SuiteProcesses.stopTool(provider) }
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            let staff = ["Authorization": "Bearer \(admin)"]
            let variant = try await product(client, base, admin: admin, stock: 4, price: 150_000)
            let lan = try await customer(client, base)
            let placed = try await checkOut(client, base, lan, order(cart: try await cart(client, base, lan, variant: variant, quantity: 1), method: "card"))
            #expect(placed.json?["status"] as? String == "awaiting_payment", "\(String(decoding: placed.body, as: UTF8.self))")
            let orderID = try #require(placed.json?["order_id"] as? String)
            let payment = try #require(placed.json?["payment"] as? [String: Any])
            let intent = try #require(payment["provider_payment_id"] as? String)
            #expect((payment["client_secret"] as? String)?.hasPrefix("\(intent)_secret_") == true && payment["next_action"] as? String == "confirm_card_payment")
            let total = try #require(minor((placed.json?["price"] as? [String: Any])?["total"]))
            let requests = try JSONSerialization.jsonObject(with: try await get(client, "http://127.0.0.1:\(suite.cardProviderPort)/_requests").body)
                as? [[String: Any]]
            let created = try #require(requests?.first { $0["path"] as? String == "/v1/payment_intents" }?["form"] as? [String: Any])
            #expect(created["amount"] as? String == String(total) && created["currency"] as? String == "vnd")

            let succeeded: [String: Any] = ["id": intent, "object": "payment_intent", "amount": total, "amount_received": total,
                                            "currency": "vnd", "status": "succeeded"]
            var forged = try await cardEvent("payment_intent.succeeded", id: "evt_forged", object: succeeded)
            forged.signature = forged.signature.replacingOccurrences(of: "v1=", with: "v1=0")
            #expect(try await postCard(client, suite, forged).status == 401, "a wrong signature is refused")
            let stale = try await cardEvent("payment_intent.succeeded", id: "evt_stale", object: succeeded, offset: -600)
            #expect(try await postCard(client, suite, stale).status == 401, "a signature older than the tolerance is refused")
            let future = try await cardEvent("payment_intent.succeeded", id: "evt_future", object: succeeded, offset: 600)
            #expect(try await postCard(client, suite, future).status == 401, "a timestamp from the future beyond the tolerance is refused")
            #expect(try await orderDetail(client, base, admin: admin, orderID)["status"] as? String == "pending_payment", "nothing changed")

            let event = try await cardEvent("payment_intent.succeeded", id: "evt_\(UUID().uuidString.prefix(12))", object: succeeded)
            for _ in 0..<3 { #expect(try await postCard(client, suite, event).status == 200) }
            let paid = try await waitUntil(timeout: .seconds(15)) {
                try await orderDetail(client, base, admin: admin, orderID)["status"] as? String == "paid"
            }
            #expect(paid)
            let late = try await cardEvent("payment_intent.payment_failed", id: "evt_late_failure", object: succeeded)
            #expect(try await postCard(client, suite, late).status == 200, "a failure delivered after success is accepted and changes nothing")
            let timeline = try #require(try await orderDetail(client, base, admin: admin, orderID)["timeline"] as? [[String: Any]])
            #expect(timeline.filter { $0["to"] as? String == "paid" }.count == 1, "three deliveries, one payment on the timeline")
            #expect(try await orderDetail(client, base, admin: admin, orderID)["status"] as? String == "paid")

            let ledgerBefore = try await ledgerVND(client, base, staff)
            let refundURL = base + "/api/payments/admin/orders/\(orderID)/refunds"
            #expect(total == 180_000, "150,000 ₫ and 30,000 ₫ shipping")
            let keys = (0..<5).map { _ in UUID().uuidString }
            let concurrent = try await withThrowingTaskGroup(of: (String, Answer).self) { group in
                for key in keys {
                    group.addTask {
                        (key, try await send(client, "POST", refundURL, json: ["amount_minor": 50_000, "reason": "dented box"],
                                             headers: staff.merging(["Idempotency-Key": key]) { $1 }))
                    }
                }
                var answers: [(String, Answer)] = []
                for try await answer in group { answers.append(answer) }
                return answers
            }
            let granted = concurrent.filter { $0.1.status == 201 }
            #expect(granted.count == 3 && concurrent.filter { $0.1.status == 422 }.count == 2,
                    "five concurrent refunds of 50,000 against 180,000 captured: three fit: \(concurrent.map(\.1.status))")
            #expect(granted.allSatisfy { $0.1.json?["channel"] as? String == "provider" })
            let (key, partial) = try #require(granted.first)
            let replay = try await send(client, "POST", refundURL, json: ["amount_minor": 50_000, "reason": "dented box"],
                                        headers: staff.merging(["Idempotency-Key": key]) { $1 })
            #expect(replay.json?["id"] as? String == partial.json?["id"] as? String, "the same key refunds once")
            let partially = try await waitUntil(timeout: .seconds(15)) {
                try await orderDetail(client, base, admin: admin, orderID)["status"] as? String == "partially_refunded"
            }
            #expect(partially)
            let beyond = try await send(client, "POST", refundURL, json: ["amount_minor": total],
                                        headers: staff.merging(["Idempotency-Key": UUID().uuidString]) { $1 })
            #expect(beyond.status == 422 && (beyond.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "amount_minor",
                    "a refund beyond what is left is refused")
            let rest = try await send(client, "POST", refundURL, json: [:], headers: staff.merging(["Idempotency-Key": UUID().uuidString]) { $1 })
            #expect(rest.status == 201 && minor(rest.json?["amount"]) == total - 150_000)
            let refunded = try await waitUntil(timeout: .seconds(15)) {
                try await orderDetail(client, base, admin: admin, orderID)["status"] as? String == "refunded"
            }
            #expect(refunded)
            let more = try await send(client, "POST", refundURL, json: ["amount_minor": 1], headers: staff.merging(["Idempotency-Key": UUID().uuidString]) { $1 })
            #expect(more.status == 409)

            let providerRefunds = (granted.map(\.1) + [rest]).compactMap { answer -> [String: Any]? in
                guard let id = answer.json?["provider_refund_id"] as? String, let amount = minor(answer.json?["amount"]) else { return nil }
                return ["id": id, "object": "refund", "amount": amount]
            }
            #expect(providerRefunds.count == 4, "each refund went through the provider")
            let charge: [String: Any] = ["id": "ch_\(UUID().uuidString.prefix(12))", "object": "charge", "payment_intent": intent, "amount": total,
                                         "amount_captured": total, "amount_refunded": total, "refunded": true,
                                         "refunds": ["object": "list", "data": providerRefunds]]
            let echoed = try await cardEvent("charge.refunded", id: "evt_\(UUID().uuidString.prefix(12))", object: charge)
            #expect(try await postCard(client, suite, echoed).status == 200)
            let afterEcho = try await send(client, "GET", base + "/api/payments/admin/orders/\(orderID)/payment", headers: staff)
            #expect((afterEcho.json?["refunds"] as? [[String: Any]])?.count == 4 && minor(afterEcho.json?["refunded"]) == total,
                    "the provider's charge.refunded for our own refunds adds nothing")

            let fee = (total * 290 + 5_000) / 10_000
            let ledgerAfter = try await ledgerVND(client, base, staff)
            #expect(ledgerAfter["refunded"]! - ledgerBefore["refunded"]! == total, "both refunds are in the ledger")
            #expect(ledgerAfter["balance"]! - ledgerBefore["balance"]! == -total, "the balance is captures − refunds − fees: \(ledgerAfter)")
            let entries = try await send(client, "GET", base + "/api/payments/admin/ledger?page_size=100", headers: staff)
            let ours = (entries.json?["items"] as? [[String: Any]] ?? []).filter { $0["order_number"] as? String == placed.json?["order_number"] as? String }
            #expect(ours.compactMap { minor($0["amount"]) }.sorted() == [-(total - 150_000), -50_000, -50_000, -50_000, -fee, total].sorted(),
                    "one capture, its fee and four refunds, whatever the webhook deliveries: \(ours)")
        }
    }

    @Test("an unpaid checkout expires: stock released, order cancelled, a card's payment intent cancelled; money that arrives later is kept and flagged for refund")
    func expiryAndLatePayment() async throws {
        try await withServices(Self.services, portOffset: 760,
                               overrides: Self.placements.merging(["PAYMENT_WINDOW_SECONDS": "2", "CHECKOUT_EXPIRY_SWEEP_SECONDS": "1"]) { $1 }) { client, suite in
            let provider = try startCardProvider(suite)
            defer { SuiteProcesses.stopTool(provider) }
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            let variant = try await product(client, base, admin: admin, stock: 2, price: 99_000)
            let lan = try await customer(client, base)
            let mai = try await customer(client, base)
            let cardVariant = try await product(client, base, admin: admin, stock: 1, price: 45_000)
            let byCard = try await checkOut(client, base, mai, order(cart: try await cart(client, base, mai, variant: cardVariant, quantity: 1),
                                                                      method: "card", email: "mai@example.com"))
            let cardCheckoutID = try #require(byCard.json?["id"] as? String)
            let intent = try #require((byCard.json?["payment"] as? [String: Any])?["provider_payment_id"] as? String)
            let lansCart = try await cart(client, base, lan, variant: variant, quantity: 2)
            let placed = try await checkOut(client, base, lan, order(cart: lansCart, method: "bank_transfer"))
            let checkoutID = try #require(placed.json?["id"] as? String)
            let number = try #require(placed.json?["order_number"] as? String)
            let orderID = try #require(placed.json?["order_id"] as? String)
            let total = try #require(minor((placed.json?["price"] as? [String: Any])?["total"]))
            #expect(try await stock(client, base, admin: admin, variant: variant)?["reserved"] as? Int == 2)

            let expired = try await waitUntil(timeout: .seconds(20)) {
                try await send(client, "GET", base + "/api/checkout/checkouts/\(checkoutID)", headers: lan).json?["status"] as? String == "expired"
            }
            #expect(expired)
            let cancelled = try await waitUntil(timeout: .seconds(15)) {
                let order = try await orderDetail(client, base, admin: admin, orderID)
                return order["status"] as? String == "cancelled" && order["cancel_reason"] as? String == "payment_timeout"
            }
            #expect(cancelled, "the order is cancelled for payment_timeout")
            let released = try await waitUntil(timeout: .seconds(15)) {
                try await stock(client, base, admin: admin, variant: variant)?["reserved"] as? Int == 0
            }
            #expect(released, "the reservation is released")
            let cartBack = try await waitUntil(timeout: .seconds(15)) {
                let shown = try await send(client, "GET", base + "/api/catalog/carts/\(lansCart.0)", headers: lan).json
                return shown?["status"] as? String == "active" && (shown?["lines"] as? [[String: Any]])?.first?["quantity"] as? Int == 2
            }
            #expect(cartBack, "the customer's cart comes back with its goods when the checkout closes without an order")

            // The unpaid card checkout expired too: its payment intent is cancelled at the
            // provider, so the customer can no longer pay for it.
            #expect(try await waitUntil(timeout: .seconds(15)) {
                try await send(client, "GET", base + "/api/checkout/checkouts/\(cardCheckoutID)", headers: mai).json?["status"] as? String == "expired"
            })
            let cancelledAtProvider = try await waitUntil(timeout: .seconds(15)) {
                let requests = try JSONSerialization.jsonObject(with: try await get(client, "http://127.0.0.1:\(suite.cardProviderPort)/_requests").body)
                    as? [[String: Any]] ?? []
                return requests.contains {
                    $0["path"] as? String == "/v1/payment_intents/\(intent)/cancel"
                        && ($0["form"] as? [String: Any])?["cancellation_reason"] as? String == "abandoned"
                }
            }
            #expect(cancelledAtProvider, "payments cancelled \(intent) at the provider")
            #expect(try await stock(client, base, admin: admin, variant: cardVariant)?["reserved"] as? Int == 0)

            let lateTransfer = try await sepay(client, suite, id: Int.random(in: 1...1 << 40), content: "DH \(number)", amount: total)
            #expect(lateTransfer.status == 200)
            let flagged = try await waitUntil(timeout: .seconds(15)) {
                try await orderDetail(client, base, admin: admin, orderID)["payment_status"] as? String == "refund_due"
            }
            #expect(flagged, "the late money is on the order, flagged for refund")
            #expect(try await orderDetail(client, base, admin: admin, orderID)["status"] as? String == "cancelled")
            // `paid_after_cancellation` joins when payments learned of the cancellation before the
            // money came; either way the money is captured and flagged `refund_due` for staff.
            let listed = try await waitUntil(timeout: .seconds(15)) {
                let list = try await send(client, "GET", base + "/api/payments/admin/payments/flagged?page_size=100", headers: ["Authorization": "Bearer \(admin)"])
                let mine = (list.json?["items"] as? [[String: Any]])?.first { $0["order_id"] as? String == orderID }
                return (mine?["flags"] as? [String] ?? []).contains("refund_due") && minor(mine?["captured"]) == total
            }
            #expect(listed, "staff see the late money flagged for refund")
        }
    }
}
