import AsyncHTTPClient
import Foundation
import ServiceKitTestKit
import Testing

/// The POS sync through the gateway, against a local POS that speaks a Pancake-style API:
/// settled orders are pushed (retried after a forced failure, dead after the last attempt,
/// pushed again by staff), the POS's signed webhooks move shipments and so the order, a
/// cancelled order never reaches the POS, and the POS's stock counts reach the catalog.
@Suite("POS sync through the gateway", .serialized)
struct PosSyncTests {
    static let services = ["catalog", "checkout", "orders", "payments", "fulfillment", "gateway"]
    static let shop = "shop-77"

    private func startPOS(_ suite: SuiteProcesses, failFirst: Int) async throws -> Process {
        let process = try SuiteProcesses.startTool("pos_fake.py", [String(suite.posPort), Self.shop, SuiteProcesses.posAPIKey, String(failFirst)])
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        _ = try await waitUntil(timeout: .seconds(10)) { (try? await get(client, "http://127.0.0.1:\(suite.posPort)/_orders"))?.status == 200 }
        try await client.shutdown()
        return process
    }

    private func push(_ client: HTTPClient, _ base: String, _ staff: [String: String], _ order: String) async throws -> [String: Any] {
        try await send(client, "GET", base + "/api/fulfillment/admin/pos/pushes/\(order)", headers: staff).json ?? [:]
    }

    private func posOrders(_ client: HTTPClient, _ suite: SuiteProcesses) async throws -> [[String: Any]] {
        try await get(client, "http://127.0.0.1:\(suite.posPort)/_orders").json?["orders"] as? [[String: Any]] ?? []
    }

    /// Has the POS send a signed webhook to fulfilment's listener; returns the shop's answer.
    private func posWebhook(_ client: HTTPClient, _ suite: SuiteProcesses, _ event: [String: Any], secret: String = SuiteProcesses.posWebhookSecret,
                            offset: Int = 0) async throws -> (status: Int, outcome: String?) {
        let answer = try await send(client, "POST", "http://127.0.0.1:\(suite.posPort)/_webhook", json: [
            "target": "http://127.0.0.1:\(suite.fulfillmentWebhookPort)/webhooks/pos", "secret": secret, "event": event, "timestamp_offset": offset])
        return (answer.json?["status"] as? Int ?? 0, (answer.json?["body"] as? [String: Any])?["outcome"] as? String)
    }

    @Test("pushed after a forced failure; POS webhooks ship and deliver the order once; dead pushes are pushed again; a cancelled order never arrives; stock counts reach the catalog")
    func posSync() async throws {
        let overrides = ["POS_BASE_URL": "http://127.0.0.1:\(18094 + 860)/api/v1", "POS_API_KEY": SuiteProcesses.posAPIKey, "POS_SHOP_ID": Self.shop,
                         "POS_WEBHOOK_SECRET": SuiteProcesses.posWebhookSecret, "POS_PUSH_BASE_DELAY_MS": "200", "POS_PUSH_MAX_DELAY_MS": "800",
                         "POS_PUSH_MAX_ATTEMPTS": "3", "POS_INVENTORY_PULL_SECONDS": "1", "POS_TIMEOUT_MS": "1500"]
        try await withServices(Self.services, portOffset: 860, overrides: overrides) { client, suite in
            #expect(suite.posPort == 18094 + 860)
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            let staff = ["Authorization": "Bearer \(admin)"]
            let lan = try await customer(client, base)
            let tea = try await product(client, base, admin: admin, stock: 10, price: 120_000)
            var pos = try await startPOS(suite, failFirst: 1)
            defer { SuiteProcesses.stopTool(pos) }

            // A settled order reaches the POS on the second try (the first is answered 503).
            let placed = try await checkOut(client, base, lan, order(cart: try await cart(client, base, lan, variant: tea, quantity: 2), method: "cod"))
            let orderID = try #require(placed.json?["order_id"] as? String)
            let number = try #require(placed.json?["order_number"] as? String)
            #expect(try await waitUntil(timeout: .seconds(20)) { try await push(client, base, staff, orderID)["status"] as? String == "pushed" })
            let pushed = try await push(client, base, staff, orderID)
            #expect(pushed["attempts"] as? Int == 2 && (pushed["last_error"] as? String) == nil, "\(pushed)")
            let posOrderID = try #require(pushed["pos_order_id"] as? String)
            let atPOS = try #require(try await posOrders(client, suite).first { $0["custom_id"] as? String == number })
            #expect(String(describing: atPOS["id"] ?? "") == posOrderID && atPOS["is_cod"] as? Bool == true 
                    && (atPOS["bill_phone_number"] as? String)?.hasSuffix("912345678") == true, "\(atPOS)")
            #expect((atPOS["items"] as? [[String: Any]])?.first?["quantity"] as? Int == 2)

            // The POS's webhooks: refused when forged or stale, then shipped with tracking (once), then delivered.
            let shippedEvent: [String: Any] = ["event_id": "pos-evt-\(posOrderID)-1", "order_id": posOrderID, "status": "shipped",
                                               "partner": ["name": "GHN", "tracking_number": "GHN999", "tracking_url": "https://donhang.ghn.vn/?order_code=GHN999"]]
            #expect(try await posWebhook(client, suite, shippedEvent, secret: "wrong").status == 401)
            #expect(try await posWebhook(client, suite, shippedEvent, offset: -600).status == 401, "ten minutes old")
            #expect(try await push(client, base, staff, orderID)["status"] as? String == "pushed")
            let first = try await posWebhook(client, suite, shippedEvent)
            #expect(first.status == 200 && first.outcome == "shipped", "\(first)")
            #expect(try await waitUntil(timeout: .seconds(15)) { try await orderDetail(client, base, admin: admin, orderID)["status"] as? String == "shipped" })
            let timeline = { try await orderDetail(client, base, admin: admin, orderID)["timeline"] as? [[String: Any]] ?? [] }
            let entries = try await timeline().count
            #expect(try await timeline().contains { ($0["note"] as? String)?.contains("GHN999") == true }, "tracking on the timeline")
            #expect(try await posWebhook(client, suite, shippedEvent) == (200, "duplicate"))
            try await Task.sleep(for: .seconds(1))
            #expect(try await timeline().count == entries, "a repeated webhook changes nothing")
            let delivered = try await posWebhook(client, suite, ["event_id": "pos-evt-\(posOrderID)-2", "order_id": posOrderID, "status": "delivered"])
            #expect(delivered == (200, "delivered"))
            #expect(try await waitUntil(timeout: .seconds(15)) { try await orderDetail(client, base, admin: admin, orderID)["status"] as? String == "delivered" })
            #expect(try await posWebhook(client, suite, ["event_id": "pos-evt-unknown", "order_id": "999999", "status": "shipped"]) == (200, "unknown_order"))

            // An order cancelled after it reached the POS is withdrawn there (Pancake's status 6), so nobody ships it.
            let regret = try await checkOut(client, base, lan, order(cart: try await cart(client, base, lan, variant: tea, quantity: 1), method: "cod"))
            let regretID = try #require(regret.json?["order_id"] as? String)
            #expect(try await waitUntil(timeout: .seconds(20)) { try await push(client, base, staff, regretID)["status"] as? String == "pushed" })
            #expect(try await send(client, "POST", base + "/api/orders/orders/\(regretID)/cancel", headers: lan).status == 200)
            #expect(try await waitUntil(timeout: .seconds(20)) { try await push(client, base, staff, regretID)["status"] as? String == "withdrawn" })
            let regretNumber = try #require(regret.json?["order_number"] as? String)
            #expect(try await posOrders(client, suite).first { $0["custom_id"] as? String == regretNumber }?["status"] as? Int == 6, "cancelled at the POS")

            // The POS is down: pushes die after three attempts and are listed for staff.
            SuiteProcesses.stopTool(pos)
            let waiting = try await checkOut(client, base, lan, order(cart: try await cart(client, base, lan, variant: tea, quantity: 1), method: "cod"))
            let cancelledLater = try await checkOut(client, base, lan, order(cart: try await cart(client, base, lan, variant: tea, quantity: 1), method: "cod"))
            let waitingID = try #require(waiting.json?["order_id"] as? String), cancelledID = try #require(cancelledLater.json?["order_id"] as? String)
            let dead = try await waitUntil(timeout: .seconds(20)) {
                let list = try await send(client, "GET", base + "/api/fulfillment/admin/pos/pushes?status=dead&page_size=100", headers: staff)
                let ids = Set((list.json?["items"] as? [[String: Any]] ?? []).compactMap { $0["order_id"] as? String })
                return ids.isSuperset(of: [waitingID, cancelledID])
            }
            #expect(dead, "both pushes are dead and listed")
            #expect(try await push(client, base, staff, waitingID)["attempts"] as? Int == 3)

            // One is cancelled by its customer; the POS comes back; staff push the other again.
            #expect(try await send(client, "POST", base + "/api/orders/orders/\(cancelledID)/cancel", headers: lan).status == 200)
            #expect(try await waitUntil(timeout: .seconds(15)) { try await push(client, base, staff, cancelledID)["status"] as? String == "cancelled" })
            pos = try await startPOS(suite, failFirst: 0)
            let retry = try await send(client, "POST", base + "/api/fulfillment/admin/pos/pushes/\(waitingID)/retry", headers: staff)
            #expect(retry.status == 202)
            #expect(try await waitUntil(timeout: .seconds(15)) { try await push(client, base, staff, waitingID)["status"] as? String == "pushed" })
            #expect(try await send(client, "POST", base + "/api/fulfillment/admin/pos/pushes/\(cancelledID)/retry", headers: staff).status == 409)
            try await Task.sleep(for: .seconds(2))
            let cancelledNumber = try #require(cancelledLater.json?["order_number"] as? String)
            #expect(try await posOrders(client, suite).allSatisfy { $0["custom_id"] as? String != cancelledNumber }, "the cancelled order never reached the POS")

            // The POS counts the tea: the catalog's on-hand follows, once.
            let stock = { try await send(client, "GET", base + "/api/catalog/admin/variants/\(tea)/stock", headers: staff).json ?? [:] }
            let sku = try #require((try await stock()["level"] as? [String: Any])?["sku"] as? String)
            let counts = try JSONSerialization.data(withJSONObject: [["display_id": sku, "remain_quantity": 42], ["display_id": "NOT-OURS", "remain_quantity": 3]])
            _ = try await send(client, "POST", "http://127.0.0.1:\(suite.posPort)/_inventory", bytes: counts, headers: ["Content-Type": "application/json"])
            let counted = try await waitUntil(timeout: .seconds(15)) { (try await stock()["level"] as? [String: Any])?["on_hand"] as? Int == 42 }
            #expect(counted, "the POS count is the catalog's on-hand")
            try await Task.sleep(for: .seconds(2))
            let movements = (try await stock()["movements"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
            #expect(movements.filter { ($0["reason"] as? String)?.hasPrefix("pos count") == true }.count == 1, "later pulls with the same count change nothing")
        }
    }
}
