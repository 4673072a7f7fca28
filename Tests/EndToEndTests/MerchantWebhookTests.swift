import AsyncHTTPClient
import Foundation
import ServiceKitTestKit
import Testing

/// Outgoing merchant webhooks through the gateway: an admin registers an endpoint, events of
/// the chosen types arrive signed the Standard Webhooks way (checked by the official
/// `standardwebhooks` library in the receiver), a failed delivery is retried, every attempt
/// is in the log, and one delivery can be replayed.
@Suite("Merchant webhooks through the gateway", .serialized)
struct MerchantWebhookTests {
    static let services = ["catalog", "checkout", "orders", "payments", "fulfillment", "gateway"]

    /// The merchant's endpoint (verifying with `standardwebhooks`), once it answers.
    private func receiver(_ client: HTTPClient, _ suite: SuiteProcesses, secret: String, failFirst: Int) async throws -> Process {
        let process = try SuiteProcesses.startTool("webhook_receiver.py", [String(suite.merchantEndpointPort), secret, String(failFirst)])
        let listening = try await waitUntil(timeout: .seconds(10)) {
            (try? await get(client, "http://127.0.0.1:\(suite.merchantEndpointPort)/_received"))?.status == 200
        }
        guard listening else {
            SuiteProcesses.stopTool(process)
            throw URLError(.cannotConnectToHost)
        }
        return process
    }

    private func received(_ client: HTTPClient, _ suite: SuiteProcesses) async throws -> [[String: Any]] {
        let answer = try? await get(client, "http://127.0.0.1:\(suite.merchantEndpointPort)/_received")
        return (answer.flatMap { try? JSONSerialization.jsonObject(with: $0.body) } as? [[String: Any]]) ?? []
    }

    @Test("an endpoint enabled outside the service (in PostgreSQL, as another replica would) gets the next event; events before it got none")
    func endpointChangedElsewhere() async throws {
        try await withServices(Self.services, portOffset: 840, overrides: ["WEBHOOK_ALLOW_PRIVATE_URLS": "true"]) { client, suite in
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            let staff = ["Authorization": "Bearer \(admin)"]
            let lan = try await customer(client, base)
            let placedType = "shop.orders.order.placed.v1"
            let registered = try await send(client, "POST", base + "/api/fulfillment/admin/webhooks/endpoints",
                                            json: ["url": "http://127.0.0.1:\(suite.merchantEndpointPort)/hooks/erp", "event_types": [placedType]],
                                            headers: staff)
            let endpoint = try #require(registered.json?["id"] as? String)
            let secret = try #require(registered.json?["secret"] as? String)
            #expect(try await send(client, "POST", base + "/api/fulfillment/admin/webhooks/endpoints/\(endpoint)/disable", headers: staff)
                .json?["active"] as? Bool == false)
            let receiverProcess = try await receiver(client, suite, secret: secret, failFirst: 0)
            defer { SuiteProcesses.stopTool(receiverProcess) }

            // An order while the endpoint is disabled: fulfilment handles it (its shipment appears) and sends nothing.
            let tea = try await product(client, base, admin: admin, stock: 5, price: 99_000)
            let before = try await checkOut(client, base, lan, order(cart: try await cart(client, base, lan, variant: tea, quantity: 1), method: "cod"))
            let beforeID = try #require(before.json?["order_id"] as? String)
            let handled = try await waitUntil(timeout: .seconds(20)) {
                let list = try await send(client, "GET", base + "/api/fulfillment/admin/orders/\(beforeID)/shipments", headers: staff)
                return !((list.json?["shipments"] as? [[String: Any]]) ?? []).isEmpty
            }
            #expect(handled, "fulfilment handled the first order")

            try await suite.runSQL(in: "fulfillment", "UPDATE webhook_endpoints SET active = true WHERE id = '\(endpoint)'")
            let after = try await checkOut(client, base, lan, order(cart: try await cart(client, base, lan, variant: tea, quantity: 1), method: "cod"))
            let afterID = try #require(after.json?["order_id"] as? String)
            var arrivals: [[String: Any]] = []
            let arrived = try await waitUntil(timeout: .seconds(20)) {
                arrivals = try await received(client, suite)
                return arrivals.contains { ($0["payload"] as? [String: Any])?["subject"] as? String == afterID }
            }
            #expect(arrived, "the order placed after the endpoint was enabled elsewhere reached it: \(arrivals)")
            #expect(arrivals.allSatisfy { $0["verified"] as? Bool == true })
            #expect(!arrivals.contains { ($0["payload"] as? [String: Any])?["subject"] as? String == beforeID },
                    "nothing went out for the order placed while it was disabled")
        }
    }

    @Test("registered endpoint gets signed events of its types after a forced failure; the log shows every attempt; a replay arrives again")
    func merchantWebhooks() async throws {
        try await withServices(Self.services, portOffset: 840,
                               overrides: ["WEBHOOK_ALLOW_PRIVATE_URLS": "true", "WEBHOOK_RETRY_SCHEDULE": "1,1,1"]) { client, suite in
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            let staff = ["Authorization": "Bearer \(admin)"]
            let lan = try await customer(client, base)
            let hook = "http://127.0.0.1:\(suite.merchantEndpointPort)/hooks/shop"
            let placedType = "shop.orders.order.placed.v1", shippedType = "shop.fulfillment.shipment.shipped.v1"

            #expect(try await send(client, "POST", base + "/api/fulfillment/admin/webhooks/endpoints",
                                   json: ["url": hook, "event_types": [placedType]], headers: lan).status == 403, "customers cannot register endpoints")
            let refused = try await send(client, "POST", base + "/api/fulfillment/admin/webhooks/endpoints",
                                         json: ["url": "ftp://127.0.0.1/x", "event_types": ["shop.identity.password_reset.requested.v1"]], headers: staff)
            let refusedFields = Set((refused.json?["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
            #expect(refused.status == 422 && refusedFields == ["url", "event_types"], "\(String(decoding: refused.body, as: UTF8.self))")

            let registered = try await send(client, "POST", base + "/api/fulfillment/admin/webhooks/endpoints",
                                            json: ["url": hook, "event_types": [placedType, shippedType], "description": "ERP"], headers: staff)
            #expect(registered.status == 201, "\(String(decoding: registered.body, as: UTF8.self))")
            let endpoint = try #require(registered.json?["id"] as? String)
            let secret = try #require(registered.json?["secret"] as? String)
            #expect(secret.hasPrefix("whsec_"))
            let shown = try await send(client, "GET", base + "/api/fulfillment/admin/webhooks/endpoints/\(endpoint)", headers: staff)
            #expect(shown.status == 200 && shown.json?["secret"] == nil, "the secret is shown once")

            let receiverProcess = try await receiver(client, suite, secret: secret, failFirst: 1)
            defer { SuiteProcesses.stopTool(receiverProcess) }

            // A cash-on-delivery order: order.placed goes out (the first try is answered 500, the retry succeeds).
            let tea = try await product(client, base, admin: admin, stock: 3, price: 99_000)
            let placed = try await checkOut(client, base, lan, order(cart: try await cart(client, base, lan, variant: tea, quantity: 1), method: "cod"))
            let orderID = try #require(placed.json?["order_id"] as? String)
            var arrivals: [[String: Any]] = []
            let retried = try await waitUntil(timeout: .seconds(20)) {
                arrivals = try await received(client, suite).filter { ($0["payload"] as? [String: Any])?["subject"] as? String == orderID }
                return arrivals.count >= 2
            }
            #expect(retried, "the order's event arrived twice (a forced failure, then the retry): \(arrivals)")
            #expect(arrivals.allSatisfy { $0["verified"] as? Bool == true }, "standardwebhooks verified every signature: \(arrivals)")
            #expect(arrivals.prefix(2).map { $0["answered"] as? Int } == [500, 204])
            #expect(Set(arrivals.compactMap { $0["webhook_id"] as? String }).count == 1, "a retry keeps its webhook-id")
            let payload = try #require(arrivals.first?["payload"] as? [String: Any])
            #expect(payload["type"] as? String == placedType && (payload["data"] as? [String: Any])?["order_id"] as? String == orderID)
            #expect(arrivals.first?["path"] as? String == "/hooks/shop")

            // The log has both attempts (written just after the receiver answered); types the
            // endpoint did not choose never went out.
            var deliveries: [[String: Any]] = []
            _ = try await waitUntil(timeout: .seconds(10)) {
                let log = try await send(client, "GET", base + "/api/fulfillment/admin/webhooks/endpoints/\(endpoint)/deliveries", headers: staff)
                deliveries = log.json?["items"] as? [[String: Any]] ?? []
                return deliveries.contains { $0["event_type"] as? String == placedType && $0["status"] as? String == "succeeded" }
            }
            let delivery = try #require(deliveries.first { $0["event_type"] as? String == placedType })
            #expect(delivery["status"] as? String == "succeeded" && delivery["attempts"] as? Int == 2)
            #expect((delivery["log"] as? [[String: Any]])?.map { $0["status_code"] as? Int } == [500, 204])
            #expect(deliveries.allSatisfy { [placedType, shippedType].contains($0["event_type"] as? String ?? "") })

            // The order ships with tracking: shipment.shipped arrives with it.
            var shipment: String?
            _ = try await waitUntil(timeout: .seconds(20)) {
                let list = try await send(client, "GET", base + "/api/fulfillment/admin/orders/\(orderID)/shipments", headers: staff)
                shipment = (list.json?["shipments"] as? [[String: Any]])?.first?["id"] as? String
                return shipment != nil
            }
            let shipped = try await send(client, "POST", base + "/api/fulfillment/admin/shipments/\(try #require(shipment))/ship",
                                         json: ["carrier": "GHN", "tracking_number": "GHN777"], headers: staff)
            #expect(shipped.status == 200)
            let tracked = try await waitUntil(timeout: .seconds(20)) {
                try await received(client, suite).contains {
                    let payload = $0["payload"] as? [String: Any]
                    return payload?["type"] as? String == shippedType && $0["verified"] as? Bool == true
                        && ((payload?["data"] as? [String: Any])?["tracking"] as? [String: Any])?["number"] as? String == "GHN777"
                }
            }
            #expect(tracked, "the merchant learns the tracking number")

            // Replay the order's delivery: it arrives again, same id, signed afresh.
            let deliveryID = try #require(delivery["id"] as? String)
            let replay = try await send(client, "POST", base + "/api/fulfillment/admin/webhooks/deliveries/\(deliveryID)/replay", headers: staff)
            #expect(replay.status == 202)
            let replayed = try await waitUntil(timeout: .seconds(20)) {
                try await received(client, suite).filter { $0["webhook_id"] as? String == deliveryID && $0["verified"] as? Bool == true }.count == 3
            }
            #expect(replayed, "the replay arrived")
            #expect(try await send(client, "POST", base + "/api/fulfillment/admin/webhooks/deliveries/\(UUID().uuidString)/replay",
                                   headers: staff).status == 404)

            // A disabled endpoint gets nothing more.
            #expect(try await send(client, "POST", base + "/api/fulfillment/admin/webhooks/endpoints/\(endpoint)/disable", headers: staff)
                .json?["active"] as? Bool == false)
        }
    }
}
