import AsyncHTTPClient
import Foundation
import ServiceKitTestKit
import Testing

/// Shipments through the gateway with every service of the saga running: a settled order
/// gets a shipment for its goods, staff split it, ship the parts with tracking and mark them
/// delivered, and the order follows; a cancelled order's shipment never leaves.
@Suite("Shipments through the gateway", .serialized)
struct ShipmentTests {
    static let services = ["catalog", "checkout", "orders", "payments", "fulfillment", "gateway"]

    private func shipments(_ client: HTTPClient, _ base: String, _ who: [String: String], order: String, admin: Bool = true) async throws -> Answer {
        try await send(client, "GET", base + "/api/fulfillment/\(admin ? "admin/" : "")orders/\(order)/shipments", headers: who)
    }

    /// Waits until fulfilment has the order's shipments in `count` (settled orders get theirs
    /// from an event) and returns them.
    private func awaitShipments(_ client: HTTPClient, _ base: String, _ staff: [String: String], order: String,
                                _ condition: @escaping ([[String: Any]]) -> Bool) async throws -> [[String: Any]] {
        var latest: [[String: Any]] = []
        _ = try await waitUntil(timeout: .seconds(20)) {
            latest = try await shipments(client, base, staff, order: order).json?["shipments"] as? [[String: Any]] ?? []
            return condition(latest)
        }
        return latest
    }

    private func quantities(_ shipment: [String: Any]?) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: (shipment?["lines"] as? [[String: Any]] ?? []).compactMap { line in
            (line["variant_id"] as? String).map { ($0, line["quantity"] as? Int ?? 0) }
        })
    }

    private func shipmentNotes(_ order: [String: Any]) -> [String] {
        (order["timeline"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "shipment" || $0["actor"] as? String == "fulfillment" }
            .compactMap { $0["note"] as? String }
    }

    @Test("a settled order gets a shipment; split, shipped with tracking in two parts, delivered: the order follows and the cash is collected")
    func splitShipments() async throws {
        try await withServices(Self.services, portOffset: 800) { client, suite in
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            let staff = ["Authorization": "Bearer \(admin)"]
            let tea = try await product(client, base, admin: admin, stock: 5, price: 120_000)
            let cup = try await product(client, base, admin: admin, stock: 5, price: 80_000)
            let lan = try await customer(client, base)
            let placed = try await checkOut(client, base, lan, order(cart: try await cart(client, base, lan, lines: [(tea, 2), (cup, 1)]), method: "cod"))
            #expect(placed.json?["status"] as? String == "completed", "\(String(decoding: placed.body, as: UTF8.self))")
            let orderID = try #require(placed.json?["order_id"] as? String)

            var all = try await awaitShipments(client, base, staff, order: orderID) { $0.count == 1 }
            #expect(all.count == 1, "a confirmed cash-on-delivery order gets one shipment")
            let first = try #require(all.first?["id"] as? String)
            #expect(all.first?["status"] as? String == "pending" && quantities(all.first) == [tea: 2, cup: 1])

            // The customer sees their own order's shipments; nobody else does, and customers cannot reach the desk.
            let mine = try await shipments(client, base, lan, order: orderID, admin: false)
            #expect(mine.status == 200 && (mine.json?["shipments"] as? [[String: Any]])?.count == 1)
            let mai = try await customer(client, base)
            #expect(try await shipments(client, base, mai, order: orderID, admin: false).status == 404)
            #expect(try await send(client, "GET", base + "/api/fulfillment/admin/shipments", headers: lan).status == 403)
            #expect(try await send(client, "GET", base + "/api/fulfillment/admin/shipments").status == 401)

            // Split one tea off into a second shipment; bad splits are named and change nothing.
            for (body, field) in [(["lines": [["variant_id": tea, "quantity": 3]]], "lines"),
                                  (["lines": [["variant_id": UUID().uuidString, "quantity": 1]]], "lines"),
                                  (["lines": [["variant_id": tea, "quantity": 2], ["variant_id": cup, "quantity": 1]]], "lines"),
                                  (["lines": [["variant_id": "tea", "quantity": 1]]], "lines[0].variant_id"),
                                  (["lines": [["variant_id": tea, "quantity": 0]]], "lines[0].quantity")] as [([String: Any], String)] {
                let refused = try await send(client, "POST", base + "/api/fulfillment/admin/shipments/\(first)/split", json: body, headers: staff)
                #expect(refused.status == 422 && (refused.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == field,
                        "\(body) → \(String(decoding: refused.body, as: UTF8.self))")
            }
            let split = try await send(client, "POST", base + "/api/fulfillment/admin/shipments/\(first)/split",
                                       json: ["lines": [["variant_id": tea, "quantity": 1]]], headers: staff)
            #expect(split.status == 201 && split.json?["split_from"] as? String == first, "\(String(decoding: split.body, as: UTF8.self))")
            let second = try #require(split.json?["id"] as? String)
            all = try await shipments(client, base, staff, order: orderID).json?["shipments"] as? [[String: Any]] ?? []
            #expect(quantities(all.first { $0["id"] as? String == first }) == [tea: 1, cup: 1])
            #expect(quantities(all.first { $0["id"] as? String == second }) == [tea: 1])

            // Ship the first part with tracking: the order is processing, the tracking on its timeline.
            let badURL = try await send(client, "POST", base + "/api/fulfillment/admin/shipments/\(first)/ship",
                                        json: ["carrier": "GHN", "tracking_url": "javascript:alert(1)"], headers: staff)
            #expect(badURL.status == 422 && (badURL.json?["errors"] as? [[String: Any]])?.first?["field"] as? String == "tracking_url")
            #expect(try await send(client, "POST", base + "/api/fulfillment/admin/shipments/\(first)/deliver", headers: staff).status == 409,
                    "a pending shipment cannot be delivered")
            let shipped = try await send(client, "POST", base + "/api/fulfillment/admin/shipments/\(first)/ship", json: [
                "carrier": "GHN", "tracking_number": "GHN8123456", "tracking_url": "https://donhang.ghn.vn/?order_code=GHN8123456"], headers: staff)
            #expect(shipped.status == 200 && shipped.json?["status"] as? String == "shipped" && shipped.json?["tracking_number"] as? String == "GHN8123456")
            let again = try await send(client, "POST", base + "/api/fulfillment/admin/shipments/\(first)/ship", headers: staff)
            #expect(again.status == 409 && again.problemType == "/problems/illegal-transition")
            let processing = try await waitUntil(timeout: .seconds(15)) {
                try await orderDetail(client, base, admin: admin, orderID)["status"] as? String == "processing"
            }
            #expect(processing, "part of the order has left: processing")
            #expect(shipmentNotes(try await orderDetail(client, base, admin: admin, orderID)).contains { $0.contains("GHN8123456") },
                    "the timeline shows the tracking")
            #expect(try await send(client, "POST", base + "/api/orders/orders/\(orderID)/cancel", headers: lan).status == 409,
                    "fulfilment has started: the customer can no longer cancel")

            // The rest ships (tracking added first), then both arrive: shipped, then delivered, and the cash is collected.
            let tracked = try await send(client, "POST", base + "/api/fulfillment/admin/shipments/\(second)/tracking",
                                         json: ["carrier": "Viettel Post", "tracking_number": "VTP-55"], headers: staff)
            #expect(tracked.status == 200 && tracked.json?["carrier"] as? String == "Viettel Post")
            #expect(try await send(client, "POST", base + "/api/fulfillment/admin/shipments/\(second)/ship", headers: staff).status == 200)
            #expect(try await waitUntil(timeout: .seconds(15)) {
                try await orderDetail(client, base, admin: admin, orderID)["status"] as? String == "shipped"
            }, "all goods have left: shipped")
            #expect(try await send(client, "POST", base + "/api/fulfillment/admin/shipments/\(first)/deliver", headers: staff).status == 200)
            #expect(try await send(client, "POST", base + "/api/fulfillment/admin/shipments/\(second)/deliver", headers: staff).status == 200)
            let delivered = try await waitUntil(timeout: .seconds(15)) {
                let detail = try await orderDetail(client, base, admin: admin, orderID)
                return detail["status"] as? String == "delivered" && detail["payment_status"] as? String == "paid"
            }
            #expect(delivered, "every shipment arrived: delivered, and the cash collected")
            let notes = shipmentNotes(try await orderDetail(client, base, admin: admin, orderID))
            #expect(notes.contains { $0.contains("VTP-55") } && notes.filter { $0.contains("delivered") }.count == 2, "\(notes)")
            let queue = try await send(client, "GET", base + "/api/fulfillment/admin/shipments?status=delivered&page_size=100", headers: staff)
            let listed = Set((queue.json?["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
            #expect(listed.isSuperset(of: [first, second]), "the desk lists both as delivered")
        }
    }

    @Test("a cancelled order's shipment is cancelled before it leaves; an unpaid order has none")
    func cancelledOrders() async throws {
        try await withServices(Self.services, portOffset: 820) { client, suite in
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            let staff = ["Authorization": "Bearer \(admin)"]
            let tea = try await product(client, base, admin: admin, stock: 5, price: 120_000)
            let lan = try await customer(client, base)

            let unpaid = try await checkOut(client, base, lan, order(cart: try await cart(client, base, lan, variant: tea, quantity: 1), method: "bank_transfer"))
            let unpaidID = try #require(unpaid.json?["order_id"] as? String)
            let known = try await waitUntil(timeout: .seconds(15)) {
                try await shipments(client, base, staff, order: unpaidID).json?["state"] as? String == "awaiting_payment"
            }
            #expect(known, "fulfilment knows the order and waits for its money")
            #expect((try await shipments(client, base, staff, order: unpaidID).json?["shipments"] as? [[String: Any]])?.isEmpty == true)

            let placed = try await checkOut(client, base, lan, order(cart: try await cart(client, base, lan, variant: tea, quantity: 2), method: "cod"))
            let orderID = try #require(placed.json?["order_id"] as? String)
            let pending = try await awaitShipments(client, base, staff, order: orderID) { $0.count == 1 }
            let shipment = try #require(pending.first?["id"] as? String)
            let cancelled = try await send(client, "POST", base + "/api/orders/orders/\(orderID)/cancel", headers: lan)
            #expect(cancelled.status == 200 && cancelled.json?["status"] as? String == "cancelled")
            let closed = try await awaitShipments(client, base, staff, order: orderID) { $0.first?["status"] as? String == "cancelled" }
            #expect(closed.first?["status"] as? String == "cancelled" && closed.first?["cancelled_at"] != nil, "the shipment never leaves")
            let ship = try await send(client, "POST", base + "/api/fulfillment/admin/shipments/\(shipment)/ship", headers: staff)
            #expect(ship.status == 409, "a cancelled shipment cannot be shipped")
            #expect(try await shipments(client, base, staff, order: UUID().uuidString).status == 404)
            #expect(try await send(client, "GET", base + "/api/fulfillment/admin/shipments/\(UUID().uuidString)", headers: staff).status == 404)
        }
    }
}
