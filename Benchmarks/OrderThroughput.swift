import AsyncHTTPClient
import Crypto
import Foundation
import ServiceKitTestKit

/// Whole purchases through the gateway at a fixed offered rate (open loop: a new purchase
/// starts every 1/rate s whatever the earlier ones are doing): a guest cart, a line, a
/// checkout with `Prefer: wait`, then half pay by card (a webhook signed the way Stripe signs,
/// straight to the payments service) and half by cash on delivery (confirmed at placement).
/// Reports the orders placed-and-paid per second and the latency from submitting the
/// checkout to "placed" (an order number) and to "paid".
///
/// Purchases go round the targets: variants of one or several stores (the storefront names a
/// store by its publishable key; the card webhook goes to that store's address).
struct OrderThroughput: Sendable {
    typealias Target = PurchaseTarget

    let gateway: String
    let webhooks: String
    let cardWebhookSecret: String
    let targets: [Target]
    let client: HTTPClient

    init(gateway: String, webhooks: String, cardWebhookSecret: String, targets: [Target]) {
        self.gateway = gateway
        self.webhooks = webhooks
        self.cardWebhookSecret = cardWebhookSecret
        self.targets = targets
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 512)
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Closes the client and prints the load generator's own CPU (`BENCH_LOADGEN_CPU_MS <ms>`),
    /// which the order benchmark reports beside the suite's processes.
    func shutdown() async throws {
        try await client.shutdown()
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        print("BENCH_LOADGEN_CPU_MS \(time.tv_sec * 1000 + time.tv_nsec / 1_000_000)")
    }

    struct Outcome: Sendable {
        var placed: Duration?
        var paid: Duration?
        var finishedAt: ContinuousClock.Instant
        var failure: String?
    }

    func run(rate: Int, seconds: Int) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let total = rate * seconds
        let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
            for index in 0..<total {
                let due = start + .nanoseconds(Int64(index) * 1_000_000_000 / Int64(rate))
                try await Task.sleep(until: due, clock: clock)
                group.addTask { await purchase(index) }
            }
            var all: [Outcome] = []
            for try await outcome in group { all.append(outcome) }
            return all
        }
        let done = outcomes.filter { $0.paid != nil }
        let last = done.map(\.finishedAt).max() ?? clock.now
        let elapsed = (last - start).seconds
        let failures = Dictionary(grouping: outcomes.compactMap(\.failure), by: { $0 }).mapValues(\.count)
        func percentiles(_ values: [Duration]) -> String {
            let sorted = values.map { Int($0.milliseconds.rounded()) }.sorted()
            guard !sorted.isEmpty else { return "n/a" }
            func at(_ p: Double) -> Int { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
            return "p50 \(at(0.50)) ms, p95 \(at(0.95)) ms, p99 \(at(0.99)) ms"
        }
        print(String(format: "orders at %d/s offered for %d s: %d of %d placed and paid, %.1f orders/s sustained", rate, seconds, done.count, total,
                     Double(done.count) / elapsed))
        print("  submit → placed: \(percentiles(outcomes.compactMap(\.placed)))")
        print("  submit → paid:   \(percentiles(done.compactMap(\.paid)))")
        if !failures.isEmpty { print("  failures: \(failures)") }
    }

    private func purchase(_ index: Int) async -> Outcome {
        let clock = ContinuousClock()
        let target = targets[index % targets.count]
        let store = target.storeHeaders
        do {
            let cart = try await json("POST", gateway + "/api/catalog/carts", headers: store)
            guard let cartID = cart["id"] as? String, let token = cart["cart_token"] as? String else { return failed("cart") }
            let guest = store.merging(["X-Cart-Token": token]) { $1 }
            let line = try await json("POST", gateway + "/api/catalog/carts/\(cartID)/lines",
                                      body: ["variant_id": target.variant, "quantity": 1], headers: guest)
            guard let version = line["version"] as? Int else { return failed("line") }
            let card = index % 2 == 1
            let submitted = clock.now
            var answer = try await send(client, "POST", gateway + "/api/checkout/checkouts", json: [
                "cart_id": cartID, "cart_version": version, "payment_method": card ? "card" : "cod",
                "contact": ["name": "Bench", "email": "bench\(index)@example.com", "phone": "0912345678"],
                "shipping_address": ["country": "VN", "line1": "1 Tràng Tiền", "ward": "Tràng Tiền", "district": "Hoàn Kiếm", "province": "Hà Nội"],
            ], headers: guest.merging(["Idempotency-Key": UUID().uuidString, "Prefer": "wait=10"]) { $1 }, timeout: .seconds(30))
            var checkout = answer.json ?? [:]
            guard let id = checkout["id"] as? String else { return failed("checkout \(checkout["type"] as? String ?? "?")") }
            while ["submitted", "reserved"].contains(checkout["status"] as? String ?? "") {
                answer = try await send(client, "GET", gateway + "/api/checkout/checkouts/\(id)", headers: guest.merging(["Prefer": "wait=10"]) { $1 },
                                        timeout: .seconds(30))
                checkout = answer.json ?? [:]
            }
            guard checkout["order_number"] != nil else { return failed("not placed: \(checkout["status"] as? String ?? "?")") }
            let placed = clock.now - submitted
            guard card else { return Outcome(placed: placed, paid: placed, finishedAt: clock.now) }
            guard let intent = (checkout["payment"] as? [String: Any])?["provider_payment_id"] as? String,
                  let total = ((checkout["price"] as? [String: Any])?["total"] as? [String: Any])?["minor_units"] as? Int else { return failed("no card payment") }
            try await payByCard(intent: intent, amount: total, at: target.webhookPath)
            // As a payment page does: wait for the checkout to change from the copy shown (a 304 is "no change yet").
            while checkout["status"] as? String == "awaiting_payment" {
                let shown = answer.header("ETag") ?? ""
                let latest = try await send(client, "GET", gateway + "/api/checkout/checkouts/\(id)",
                                            headers: guest.merging(["Prefer": "wait=10", "If-None-Match": shown]) { $1 }, timeout: .seconds(30))
                guard latest.status != 304 else { continue }
                answer = latest
                checkout = latest.json ?? [:]
            }
            guard checkout["status"] as? String == "completed" else { return failed("not paid: \(checkout["status"] as? String ?? "?")") }
            return Outcome(placed: placed, paid: clock.now - submitted, finishedAt: clock.now)
        } catch {
            return failed("\(type(of: error))")
        }
    }

    private func failed(_ why: String) -> Outcome { Outcome(finishedAt: ContinuousClock.now, failure: why) }

    private func payByCard(intent: String, amount: Int, at path: String) async throws {
        let (body, signature) = try Storefront.cardEvent("payment_intent.succeeded", intent: intent, amount: amount, secret: cardWebhookSecret)
        let answer = try await send(client, "POST", webhooks + path, bytes: body,
                                    headers: ["Content-Type": "application/json", "Stripe-Signature": signature], timeout: .seconds(30))
        guard answer.status == 200 else { throw URLError(.badServerResponse) }
    }

    private func json(_ method: String, _ url: String, body: [String: Any]? = nil, headers: [String: String] = [:]) async throws -> [String: Any] {
        try await send(client, method, url, json: body, headers: headers, timeout: .seconds(30)).json ?? [:]
    }
}
