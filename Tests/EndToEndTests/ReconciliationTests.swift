import AsyncHTTPClient
import EventContracts
import Foundation
import Money
import ServiceKitTestKit
import Testing

/// Reconciliation, as staff see it through the gateway: each check's mismatch made on
/// purpose, reported (admin list and metrics), and closed once the records agree again.
@Suite("Reconciliation: mismatches made on purpose are reported and close when fixed", .serialized)
struct ReconciliationTests {
    /// Runs every check of `service` now and answers the open findings of `check`.
    private func findings(_ client: HTTPClient, _ base: String, _ service: String, _ staff: [String: String],
                          check: String) async throws -> [[String: Any]] {
        let report = try await send(client, "POST", base + "/api/\(service)/admin/reconciliation/run", headers: staff)
        #expect(report.status == 200)
        let checks = report.json?["checks"] as? [[String: Any]] ?? []
        #expect(checks.contains { $0["name"] as? String == check && $0["last_run_at"] != nil && $0["error"] == nil },
                "\(check) ran: \(checks)")
        return (report.json?["findings"] as? [[String: Any]] ?? []).filter { $0["check"] as? String == check }
    }

    /// `reconciliation_mismatches{check=…}` from the service's `/metrics`.
    private func gauge(_ client: HTTPClient, _ suite: SuiteProcesses, _ service: String, check: String) async throws -> Int? {
        let text = String(decoding: try await send(client, "GET", suite.baseURL(service) + "/metrics").body, as: UTF8.self)
        return text.split(separator: "\n").first { $0.hasPrefix("reconciliation_mismatches{") && $0.contains("check=\"\(check)\"") }
            .flatMap { $0.split(separator: " ").last.flatMap { Double($0) } }.map { Int($0) }
    }

    @Test("catalog: a variant's reserved count that its held reservations and its movement log do not explain")
    func stock() async throws {
        try await withServices(["gateway", "catalog"], portOffset: 1120) { client, suite in
            let base = suite.baseURL("gateway")
            let staff = ["Authorization": "Bearer \(try await adminToken(client, gateway: base))"]
            let variant = try await product(client, base, admin: staff["Authorization"]!.replacingOccurrences(of: "Bearer ", with: ""),
                                            stock: 5, price: 50_000)
            #expect(try await findings(client, base, "catalog", staff, check: "reservations-vs-stock").isEmpty)
            #expect(try await send(client, "GET", base + "/api/catalog/admin/reconciliation").status == 401)

            try await suite.runSQL(in: "catalog", "UPDATE variants SET reserved = reserved + 2 WHERE id = '\(variant)'")
            let reserved = try await findings(client, base, "catalog", staff, check: "reservations-vs-stock")
            #expect(reserved.count == 1)
            #expect(reserved.first?["subject"] as? String == "variant:\(variant)")
            #expect((reserved.first?["detail"] as? String)?.contains("reserved 2, held reservations 0") == true)
            let logged = try await findings(client, base, "catalog", staff, check: "stock-vs-movements")
            #expect(logged.first?["subject"] as? String == "variant:\(variant)")
            #expect(try await gauge(client, suite, "catalog", check: "reservations-vs-stock") == 1)

            try await suite.runSQL(in: "catalog", "UPDATE variants SET reserved = reserved - 2 WHERE id = '\(variant)'")
            #expect(try await findings(client, base, "catalog", staff, check: "reservations-vs-stock").isEmpty)
            #expect(try await findings(client, base, "catalog", staff, check: "stock-vs-movements").isEmpty)
            #expect(try await gauge(client, suite, "catalog", check: "reservations-vs-stock") == 0)
            let report = try await send(client, "GET", base + "/api/catalog/admin/reconciliation", headers: staff).json
            let names = Set((report?["checks"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String })
            #expect(names == ["outbox-backlog", "reservations-vs-stock", "stock-vs-movements"])
        }
    }

    @Test("payments: a card payment the provider has and we missed; a paid payment whose order never said paid; an order said paid without a payment")
    func payments() async throws {
        try await withServices(["gateway", "payments"], portOffset: 1140, overrides: ["PAID_ORDER_GRACE_S": "1"]) { client, suite in
            let provider = try SuiteProcesses.startTool("card_provider.py", [String(suite.cardProviderPort), SuiteProcesses.cardSecretKey])
            defer { SuiteProcesses.stopTool(provider) }
            let base = suite.baseURL("gateway")
            let staff = ["Authorization": "Bearer \(try await adminToken(client, gateway: base))"]
            let order = OrderID.new()
            let number = "SHOP-20261207-\(Int.random(in: 1000...9999))"
            let total = 270_000
            try await suite.publish(OrderPlaced(orderId: order, orderNumber: number, checkoutId: .new(), customerId: nil, email: "lan@example.com",
                                                paymentMethod: .card, total: Money(minorUnits: Int64(total), currency: .vnd),
                                                status: "pending_payment", paymentDueBy: nil),
                                    on: Topic.orders, subject: order.description, source: "/services/orders")
            var intent = ""
            #expect(try await waitUntil(timeout: .seconds(20)) {
                let payment = try await send(client, "GET", base + "/api/payments/admin/orders/\(order)/payment", headers: staff).json
                intent = payment?["provider_payment_id"] as? String ?? ""
                return !intent.isEmpty
            }, "payments opened the card payment at the provider")
            #expect(try await findings(client, base, "payments", staff, check: "card-payments-vs-provider").isEmpty)

            // The buyer paid at the provider; its webhook has not come.
            let paid = try await send(client, "POST", "http://127.0.0.1:\(suite.cardProviderPort)/_intents/\(intent)",
                                      json: ["status": "succeeded", "amount_received": total])
            #expect(paid.status == 200)
            let missed = try await findings(client, base, "payments", staff, check: "card-payments-vs-provider")
            #expect(missed.first?["subject"] as? String == "payment_intent:\(intent)")
            #expect((missed.first?["detail"] as? String)?.contains("the provider says succeeded (\(total) received), we say awaiting") == true)
            #expect(try await gauge(client, suite, "payments", check: "card-payments-vs-provider") == 1)

            let event = try Storefront.cardEvent("payment_intent.succeeded", intent: intent, amount: total, secret: SuiteProcesses.cardWebhookSecret)
            let delivered = try await send(client, "POST", "http://127.0.0.1:\(suite.paymentsWebhookPort)/webhooks/stripe", bytes: event.body,
                                           headers: ["Content-Type": "application/json", "Stripe-Signature": event.signature])
            #expect(delivered.status == 200)
            try await Task.sleep(for: .milliseconds(1500))
            #expect(try await findings(client, base, "payments", staff, check: "card-payments-vs-provider").isEmpty)
            // Paid, and the order has not said so (its settlement is not in yet): reported after the grace.
            let unsettled = try await findings(client, base, "payments", staff, check: "payments-vs-paid-orders")
            #expect(unsettled.map { $0["subject"] as? String } == ["order:\(order)"])
            #expect((unsettled.first?["detail"] as? String)?.contains("the order was never said to be paid") == true)

            try await suite.publish(OrderSettled(orderId: order, orderNumber: number, checkoutId: .new(), status: "paid"),
                                    on: Topic.orders, subject: order.description, source: "/services/orders")
            let stranger = OrderID.new()
            try await suite.publish(OrderSettled(orderId: stranger, orderNumber: "SHOP-20261207-0001", checkoutId: .new(), status: "paid"),
                                    on: Topic.orders, subject: stranger.description, source: "/services/orders")
            var orphan: [[String: Any]] = []
            #expect(try await waitUntil(timeout: .seconds(20)) {
                orphan = try await findings(client, base, "payments", staff, check: "payments-vs-paid-orders")
                return orphan.map { $0["subject"] as? String } == ["order:\(stranger)"]
            }, "the settled order closes its finding; the order without a payment opens one: \(orphan)")
            #expect((orphan.first?["detail"] as? String)?.contains("said to be paid, without a succeeded payment") == true)
            #expect(try await gauge(client, suite, "payments", check: "payments-vs-paid-orders") == 1)
        }
    }
}
