import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import Synchronization

/// Buys through the gateway as a storefront and a card provider do while parts of the suite
/// fail or restart: a guest cart, a line, a checkout (`Idempotency-Key`, `Prefer: wait`), half
/// paid by card (a webhook signed as Stripe signs, sent straight to the payments service) and
/// half cash on delivery.
///
/// What it does when something fails is what the real parties do: requests go to the gateways
/// in turn, and one a gateway refuses to connect goes to the next (a load balancer); a
/// checkout that got no answer is asked again with the same key (the storefront's retry); a
/// card webhook that is not acknowledged is sent again every second (the provider's retry);
/// waiting for the outcome goes on through errors. Every answer is counted (``RequestTally``),
/// so a fault's cost to the storefront shows.
public final class Storefront: Sendable {
    /// One purchase as the storefront saw it.
    public struct Purchase: Sendable {
        /// Set once the gateway accepted the checkout (2xx): from then on it must complete.
        public var checkoutId: String?
        public var card = false
        public var completed = false
        /// Why it stopped before completing, if it did.
        public var failure: String?
        public var startedAt: ContinuousClock.Instant
        public var finishedAt: ContinuousClock.Instant
    }

    let gateways: [String]
    let webhooks: String
    let cardWebhookSecret: String
    /// What purchases buy, in turn, and in which store.
    let targets: [PurchaseTarget]
    let client: HTTPClient
    /// How long a purchase may take, through every fault, before the storefront gives up on it.
    let patience: Duration
    public let tally = RequestTally()
    private let nextGateway = Atomic<Int>(0)
    private let stormy = Atomic<Bool>(false)
    /// Which gateways said they were ready at the last look (``watchReadiness()``).
    private let ready: Mutex<Set<String>>

    public init(gateways: [String], webhooks: String, cardWebhookSecret: String, targets: [PurchaseTarget], patience: Duration = .seconds(120)) {
        self.gateways = gateways
        self.webhooks = webhooks
        self.cardWebhookSecret = cardWebhookSecret
        self.targets = targets
        self.patience = patience
        self.ready = Mutex(Set(gateways))
        var configuration = HTTPClient.Configuration()
        // A load balancer gives up on a backend that does not take the connection quickly.
        configuration.timeout = .init(connect: .milliseconds(300), read: .seconds(30))
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    public func shutdown() async throws { try await client.shutdown() }

    /// Asks each gateway's `/health/ready` every 200 ms until cancelled, as a load balancer
    /// does, so that requests go only to gateways that say they are ready (a draining one
    /// says it is not).
    public func watchReadiness() async {
        while !Task.isCancelled {
            for gateway in gateways {
                let answer = try? await send(client, "GET", gateway + "/health/ready", timeout: .seconds(1))
                ready.withLock { if answer?.status == 200 { $0.insert(gateway) } else { $0.remove(gateway) } }
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Runs purchase `index` from start to finish.
    public func purchase(_ index: Int) async -> Purchase {
        let clock = ContinuousClock()
        var purchase = Purchase(card: index % 2 == 1, startedAt: clock.now, finishedAt: clock.now)
        let deadline = clock.now + patience
        let target = targets[index % targets.count]
        do {
            let cart = try await storefront("POST", "/api/catalog/carts", headers: target.storeHeaders)
            guard cart.status == 201 || cart.status == 200, let cartID = cart.json?["id"] as? String,
                  let token = cart.json?["cart_token"] as? String else { return finished(purchase, "cart: \(cart.status)") }
            let guest = target.storeHeaders.merging(["X-Cart-Token": token]) { $1 }
            let line = try await storefront("POST", "/api/catalog/carts/\(cartID)/lines",
                                            json: ["variant_id": target.variant, "quantity": 1], headers: guest)
            guard (200..<300).contains(line.status), let version = line.json?["version"] as? Int else {
                return finished(purchase, "line: \(line.status)")
            }
            // The checkout: asked again with the same key until it is answered (a repeat is the same checkout).
            let key = UUID().uuidString
            let body: [String: Any] = [
                "cart_id": cartID, "cart_version": version, "payment_method": purchase.card ? "card" : "cod",
                "contact": ["name": "Faults", "email": "faults\(index)@example.com", "phone": "0912345678"],
                "shipping_address": ["country": "VN", "line1": "1 Tràng Tiền", "ward": "Tràng Tiền", "district": "Hoàn Kiếm", "province": "Hà Nội"],
            ]
            var answer: Answer
            repeat {
                answer = try await storefront("POST", "/api/checkout/checkouts", json: body,
                                              headers: guest.merging(["Idempotency-Key": key, "Prefer": "wait=10"]) { $1 })
                if (200..<300).contains(answer.status) || (400..<500).contains(answer.status) && answer.problemType != "/problems/cart-not-ready"
                    && answer.problemType != "/problems/request-in-progress" { break }
                try await Task.sleep(for: .milliseconds(500))
            } while clock.now < deadline
            guard (200..<300).contains(answer.status), let id = answer.json?["id"] as? String else {
                return finished(purchase, "checkout: \(answer.status) \(answer.problemType ?? "")")
            }
            purchase.checkoutId = id
            var checkout = answer.json ?? [:]
            var tag = answer.header("ETag")
            // Follow it until it has an order and (for a card) how to pay; then pay and follow it to the end.
            var paid = false
            while clock.now < deadline {
                let status = checkout["status"] as? String ?? ""
                if status == "completed" { purchase.completed = true; break }
                if ["rejected", "expired", "failed", "abandoned"].contains(status) { return finished(purchase, "ended \(status)") }
                if status == "awaiting_payment", !paid, let intent = (checkout["payment"] as? [String: Any])?["provider_payment_id"] as? String,
                   let total = ((checkout["price"] as? [String: Any])?["total"] as? [String: Any])?["minor_units"] as? Int {
                    try await payByCard(intent: intent, amount: total, at: target.webhookPath, until: deadline)
                    paid = true
                }
                var headers = guest.merging(["Prefer": "wait=10"]) { $1 }
                if status == "awaiting_payment", let tag { headers["If-None-Match"] = tag }
                let latest = try await storefront("GET", "/api/checkout/checkouts/\(id)", headers: headers)
                if latest.status == 200 {
                    checkout = latest.json ?? [:]
                    tag = latest.header("ETag")
                } else if latest.status != 304 {
                    try await Task.sleep(for: .milliseconds(500))
                }
            }
            return finished(purchase, purchase.completed ? nil : "not completed in time")
        } catch {
            return finished(purchase, "\(type(of: error))")
        }
    }

    private func finished(_ purchase: Purchase, _ failure: String?) -> Purchase {
        var purchase = purchase
        purchase.failure = failure
        purchase.finishedAt = .now
        return purchase
    }

    /// A storefront request through the gateways, in turn; a gateway that does not take the
    /// connection is skipped for the next (as a load balancer does: nothing was sent to it).
    /// Counted in ``tally``; a request no gateway took counts as status 0.
    private func storefront(_ method: String, _ path: String, json: [String: Any]? = nil, headers: [String: String] = [:]) async throws -> Answer {
        let first = nextGateway.add(1, ordering: .relaxed).oldValue
        let readyNow = ready.withLock { $0 }
        // The ready ones first; the others only when none is (a balancer with nothing healthy tries them all).
        let candidates = gateways.filter(readyNow.contains).isEmpty ? gateways : gateways.filter(readyNow.contains)
        var lastError: Error?
        for attempt in 0..<candidates.count {
            let gateway = candidates[(first + attempt) % candidates.count]
            do {
                let answer = try await send(client, method, gateway + path, json: json, headers: headers, timeout: .seconds(40))
                tally.count(Int(answer.status))
                return answer
            } catch {
                lastError = error
                guard Self.neverConnected(error) else { break }
            }
        }
        tally.count(0, error: lastError)
        throw lastError ?? HTTPClientError.connectTimeout
    }

    /// Whether the error says the connection was never made (so the request was not sent).
    static func neverConnected(_ error: Error) -> Bool {
        if let error = error as? HTTPClientError, error == .connectTimeout { return true }
        let text = String(describing: error).lowercased()
        return text.contains("connection refused") || text.contains("connectionrefused") || text.contains("connect timeout")
    }

    /// While on, the card provider misbehaves as providers may: each payment's success is
    /// delivered three times at once, and after it an older decline of the same payment (a
    /// first attempt that failed), out of order.
    public func storm(_ on: Bool) { stormy.store(on, ordering: .relaxed) }

    /// The provider tells payments the card was charged, again every second until acknowledged.
    private func payByCard(intent: String, amount: Int, at path: String, until deadline: ContinuousClock.Instant) async throws {
        let succeeded = try cardEvent("payment_intent.succeeded", intent: intent, amount: amount)
        guard stormy.load(ordering: .relaxed) else { return try await deliver(succeeded, to: path, until: deadline) }
        let declined = try cardEvent("payment_intent.payment_failed", intent: intent, amount: amount)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { try await self.deliver(succeeded, to: path, until: deadline) } }
            try await group.waitForAll()
        }
        try await deliver(declined, to: path, until: deadline)
    }

    private func deliver(_ event: (body: Data, signature: String), to path: String, until deadline: ContinuousClock.Instant) async throws {
        while ContinuousClock.now < deadline {
            if let answer = try? await send(client, "POST", webhooks + path, bytes: event.body,
                                            headers: ["Content-Type": "application/json", "Stripe-Signature": event.signature], timeout: .seconds(30)),
               answer.status == 200 {
                tally.countWebhook(delivered: true)
                return
            }
            tally.countWebhook(delivered: false)
            try await Task.sleep(for: .seconds(1))
        }
    }

    func cardEvent(_ type: String, intent: String, amount: Int) throws -> (body: Data, signature: String) {
        try Self.cardEvent(type, intent: intent, amount: amount, secret: cardWebhookSecret)
    }

    /// A `payment_intent.*` event for `intent`, signed with `secret` as Stripe signs
    /// (`t=…,v1=HMAC-SHA256`); the order benchmark sends the same.
    public static func cardEvent(_ type: String, intent: String, amount: Int, secret: String) throws -> (body: Data, signature: String) {
        let succeeded = type == "payment_intent.succeeded"
        var object: [String: Any] = ["id": intent, "object": "payment_intent", "amount": amount, "amount_received": succeeded ? amount : 0,
                                     "currency": "vnd", "status": succeeded ? "succeeded" : "requires_payment_method"]
        if !succeeded { object["last_payment_error"] = ["code": "card_declined", "message": "Your card was declined."] }
        let event: [String: Any] = ["id": "evt_\(UUID().uuidString)", "object": "event", "type": type, "data": ["object": object]]
        let body = try JSONSerialization.data(withJSONObject: event)
        let timestamp = Int(Date().timeIntervalSince1970)
        var signed = Data("\(timestamp).".utf8)
        signed.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Data(secret.utf8)))
        return (body, "t=\(timestamp),v1=\(mac.map { String(format: "%02x", $0) }.joined())")
    }
}

/// The storefront's requests by answer (0: no gateway took the connection), and the card
/// provider's webhook deliveries.
public final class RequestTally: Sendable {
    private struct Counts {
        var byStatus: [Int: Int] = [:]
        var webhooksDelivered = 0
        var webhooksRefused = 0
        var unanswered: [String: Int] = [:]
    }
    private let counts = Mutex(Counts())

    func count(_ status: Int) { counts.withLock { $0.byStatus[status, default: 0] += 1 } }
    /// A request no gateway answered, with the error it ended in.
    func count(_ status: Int, error: Error?) {
        let reason = error.map { String(String(describing: $0).prefix(160)) } ?? "no gateway"
        counts.withLock {
            $0.byStatus[status, default: 0] += 1
            $0.unanswered[reason, default: 0] += 1
        }
    }

    /// Why requests went unanswered since the last ``take()``, most frequent first.
    public func unanswered() -> [(reason: String, count: Int)] {
        counts.withLock { $0.unanswered.sorted { $0.value > $1.value }.map { ($0.key, $0.value) } }
    }
    func countWebhook(delivered: Bool) {
        counts.withLock { delivered ? ($0.webhooksDelivered += 1) : ($0.webhooksRefused += 1) }
    }

    /// What was counted so far, and the counters set back to zero.
    public func take() -> (byStatus: [Int: Int], webhooksDelivered: Int, webhooksRefused: Int) {
        counts.withLock { counts in
            defer { counts = Counts() }
            return (counts.byStatus, counts.webhooksDelivered, counts.webhooksRefused)
        }
    }
}
