import AsyncHTTPClient
import EventContracts
import Foundation
import Kafka

/// Sells steadily through the whole suite while one fault at a time hits it, then audits what
/// each fault left behind (``ShopAudit``) and what the storefront saw (``Storefront``).
///
/// It runs the six services as processes (``SuiteProcesses``: schemas and topics of their own)
/// with two gateways that the storefront balances between, the card provider's fake, and two
/// stores (the original one and one opened through the registry, with accounts of its own),
/// each with a product with stock enough for every purchase; purchases alternate between the
/// stores, so every fault hits both at once. For each fault: purchases start at `rate` per
/// second for `loadSeconds`; the fault comes `faultAfter` into the load; every purchase is
/// followed to its end; then the audit is repeated until it is clean (nothing missing, doubled, off or still held) or `recovery` has
/// passed since the load ended.
public final class FaultHarness: @unchecked Sendable {
    public struct Settings: Sendable {
        public var rate: Int
        public var loadSeconds: Int
        public var faultAfter: Duration
        public var recovery: Duration

        public init(rate: Int = 5, loadSeconds: Int = 20, faultAfter: Duration = .seconds(5), recovery: Duration = .seconds(120)) {
            self.rate = rate
            self.loadSeconds = loadSeconds
            self.faultAfter = faultAfter
            self.recovery = recovery
        }
    }

    /// What one fault came to.
    public struct Row: Sendable {
        public var fault: Fault
        public var requests: Int
        /// Storefront requests that failed, by status (0: no gateway took the connection).
        public var failed: [Int: Int]
        public var accepted: Int
        public var audit: ShopAudit
        /// Card webhooks payments acknowledged, and those it did not (the provider sent them again).
        public var webhooksDelivered: Int
        public var webhooksRefused: Int
        /// From the fault to the first purchase started after it that completed.
        public var recoveredIn: Duration?
        /// For a replay: the events the replayed service's inbox skipped as already applied
        /// since it restarted (none would mean nothing was delivered again).
        public var duplicatesSkipped: Int?
        /// Why storefront requests went unanswered (status 0), most frequent first.
        public var unanswered: [(reason: String, count: Int)] = []

        public var failedCount: Int { failed.values.reduce(0, +) }
        /// Whether the fault kept the suite's promises: nothing lost or doubled, and no failed
        /// storefront request for a deploy.
        public var holds: Bool { audit.isClean && (!fault.isPlanned || failedCount == 0) && duplicatesSkipped != 0 }
    }

    public let suite: SuiteProcesses
    let settings: Settings
    let replicas = ["gateway": 2]
    private var cardProvider: Process?
    private var storefront: Storefront?
    private var accepted: [(id: UUID, card: Bool)] = []
    /// Consumer groups given to services after a broker restart (by default `<prefix><service>`).
    private var groups: [String: String] = [:]
    private let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)

    public init(portOffset: Int, settings: Settings = Settings()) {
        suite = SuiteProcesses(portOffset: portOffset)
        self.settings = settings
    }

    /// What each service is started with besides the suite's test environment: a deploy's
    /// drain as configured in production ("not ready" while still serving for longer than the
    /// gateway keeps an unused connection, UPSTREAM_IDLE_MS, 2 s), and ``loadOverrides(for:)``.
    private func overrides(for service: String) -> [String: String] {
        var overrides = Self.loadOverrides(for: service).merging(["DRAIN_MS": "3000"]) { $1 }
        if let group = groups[service] { overrides["KAFKA_CONSUMER_GROUP"] = group }
        return overrides
    }

    /// What a service is started with to sell under a steady load: limits out of the load's
    /// way, and windows long enough that nothing expires during a run.
    public static func loadOverrides(for service: String) -> [String: String] {
        var overrides = ["LOG_LEVEL": "warning"]
        switch service {
        case "gateway":
            overrides["RATE_LIMIT_PER_MINUTE"] = "1000000000"
            overrides["RATE_LIMIT_CUSTOMER_PER_MINUTE"] = "1000000000"
            overrides["ORDER_PLACEMENTS_PER_HOUR"] = "1000000000"
        case "checkout": overrides["PAYMENT_WINDOW_SECONDS"] = "3600"
        case "catalog": overrides["RESERVATION_TTL_SECONDS"] = "3600"
        default: break
        }
        return overrides
    }

    /// Starts everything and stocks the shop.
    public func start() async throws {
        cardProvider = try SuiteProcesses.startTool("card_provider.py", [String(suite.cardProviderPort), SuiteProcesses.cardSecretKey])
        for service in SuiteProcesses.services {
            for replica in 0..<(replicas[service] ?? 1) { try await start(service, replica: replica) }
        }
        let original = try await stockTheShop().map { PurchaseTarget(variant: $0) }
        let second = try await openSecondStore()
        // Purchases alternate between the stores (and, within each, cash and card).
        let targets = zip(original, second).flatMap { [$0, $0, $1, $1] }
        storefront = Storefront(gateways: (0..<(replicas["gateway"] ?? 1)).map { "http://127.0.0.1:\(suite.port(of: "gateway", replica: $0))" },
                                webhooks: "http://127.0.0.1:\(suite.paymentsWebhookPort)", cardWebhookSecret: SuiteProcesses.cardWebhookSecret,
                                targets: targets)
    }

    /// A second store beside the original one, opened through the registry by a platform
    /// operator, paid into card and bank accounts of its own, with a product of its own:
    /// every fault then hits two stores' purchases at once. Returns its purchase targets.
    private func openSecondStore() async throws -> [PurchaseTarget] {
        let gateway = "http://127.0.0.1:\(suite.port(of: "gateway", replica: 0))"
        let login = try await send(client, "POST", gateway + "/api/admin/auth/login",
                                   json: ["email": "admin@shop.local", "password": "admin-local-password"])
        guard let token = login.json?["access_token"] as? String else { throw HarnessError("the platform operator could not sign in: \(login.status)") }
        let platform = ["Authorization": "Bearer \(token)"]
        let created = try await send(client, "POST", gateway + "/api/platform/stores", json: [
            "name": "Faults B", "slug": "faults-b", "country": "VN", "currency": "VND", "language": "vi", "time_zone": "Asia/Ho_Chi_Minh",
            "order_prefix": "FB", "owner_email": "owner-b@faults.example",
        ], headers: platform)
        guard let store = created.json?["id"] as? String, let key = created.json?["publishable_key"] as? String else {
            throw HarnessError("the second store was not created: \(created.status) \(String(decoding: created.body, as: UTF8.self))")
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while try await send(client, "GET", gateway + "/api/platform/stores/\(store)", headers: platform).json?["status"] as? String != "active" {
            guard ContinuousClock.now < deadline else { throw HarnessError("the second store did not open") }
            try await Task.sleep(for: .milliseconds(200))
        }
        let accounts = try await send(client, "PUT", gateway + "/api/payments/admin/payment-accounts", json: [
            "bank_bin": "970415", "bank_account_number": "1029384756", "bank_account_name": "FAULTS B",
            "card_secret_key": "sk_test_acct_faults_b_0001", "card_webhook_secret": SuiteProcesses.cardWebhookSecret,
        ], headers: platform.merging(["X-Store-Id": store]) { $1 })
        guard accounts.status == 200 else { throw HarnessError("the second store's accounts were refused: \(accounts.status)") }
        let variants = try await Self.stockTheShop(suite, client, slug: "faults-b-\(suite.instance)", variants: 20, onHand: 1_000_000, store: store)
        return variants.map { PurchaseTarget(variant: $0, store: store, key: key) }
    }

    /// Stops everything and drops the schemas.
    public func stop() async {
        try? await storefront?.shutdown()
        try? await client.shutdown()
        await suite.stopAll()
        if let cardProvider { SuiteProcesses.stopTool(cardProvider) }
    }

    private func start(_ service: String, replica: Int) async throws {
        try await suite.start(service, replica: replica, overrides: overrides(for: service))
        try await waitReady(service, replica: replica)
    }

    private func waitReady(_ service: String, replica: Int, timeout: Duration = .seconds(90)) async throws {
        let url = "http://127.0.0.1:\(suite.port(of: service, replica: replica))/health/ready"
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let answer = try? await send(client, "GET", url, timeout: .seconds(2)), answer.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError("\(service) (replica \(replica)) did not become ready; its log:\n\(suite.log(of: service).suffix(3000))")
    }

    /// One product with twenty variants and stock for every purchase; returns the variants' ids.
    private func stockTheShop() async throws -> [String] {
        try await Self.stockTheShop(suite, client, slug: "faults-\(suite.instance)", variants: 20, onHand: 1_000_000)
    }

    /// The identity the gateway would assert for an admin: the harness calls services
    /// directly, as an operator inside the network does.
    static let admin = ["X-Commerce-Role": "admin", "X-Commerce-Staff-Id": "00000000-0000-0000-0000-000000000001"]

    /// Creates and publishes, straight at the catalog, a product of `variants` variants with
    /// `onHand` of each; answers the variants' ids.
    public static func stockTheShop(_ suite: SuiteProcesses, _ client: HTTPClient, slug: String, variants count: Int,
                                    onHand: Int, store: String? = nil) async throws -> [String] {
        let admin = Self.admin.merging(store.map { ["X-Commerce-Store-Id": $0] } ?? [:]) { $1 }
        let variants: [[String: Any]] = (0..<count).map {
            ["sku": "\(slug)-\($0)", "price": ["minor_units": 50_000 + 1_000 * $0, "currency": "VND"], "on_hand": onHand]
        }
        let catalog = suite.baseURL("catalog")
        let created = try await send(client, "POST", catalog + "/admin/products", json: ["slug": slug, "title": "Stock \(slug)", "variants": variants],
                                     headers: admin)
        guard created.status == 201, let id = created.json?["id"] as? String,
              let ids = (created.json?["variants"] as? [[String: Any]])?.compactMap({ $0["id"] as? String }) else {
            throw HarnessError("the product was not created: \(created.status) \(String(decoding: created.body, as: UTF8.self))")
        }
        let published = try await send(client, "POST", catalog + "/admin/products/\(id)/publish", headers: admin)
        guard (200..<300).contains(published.status) else { throw HarnessError("the product was not published: \(published.status)") }
        return ids
    }

    /// Sells while `fault` happens, follows every purchase to its end, and audits.
    public func run(_ fault: Fault) async throws -> Row {
        guard let storefront else { throw HarnessError("start() first") }
        _ = storefront.tally.take()
        let clock = ContinuousClock()
        let start = clock.now
        let faultAt = start + settings.faultAfter
        let (rate, seconds) = (settings.rate, settings.loadSeconds)
        let watching = Task { await storefront.watchReadiness() }
        defer { watching.cancel() }
        let purchases = try await withThrowingTaskGroup(of: [Storefront.Purchase].self) { group in
            group.addTask {
                try await Task.sleep(until: faultAt, clock: clock)
                try await self.apply(fault)
                return []
            }
            group.addTask {
                await withTaskGroup(of: Storefront.Purchase.self) { purchases in
                    for index in 0..<(rate * seconds) {
                        try? await Task.sleep(until: start + .nanoseconds(Int64(index) * 1_000_000_000 / Int64(rate)), clock: clock)
                        purchases.addTask { await storefront.purchase(index) }
                    }
                    var all: [Storefront.Purchase] = []
                    for await purchase in purchases { all.append(purchase) }
                    return all
                }
            }
            var all: [Storefront.Purchase] = []
            for try await part in group { all += part }
            return all
        }
        storefront.storm(false)
        let unanswered = storefront.tally.unanswered()
        let counted = storefront.tally.take()
        let acceptedNow = purchases.compactMap { purchase in purchase.checkoutId.flatMap(UUID.init(uuidString:)).map { (id: $0, card: purchase.card) } }
        accepted += acceptedNow
        // Everything accepted so far, in every round, must be whole, and what the saga still has
        // in flight settled (a completed checkout's reservation is committed by the catalog a
        // hop later); give it its time.
        let deadline = clock.now + settings.recovery
        var audit = try await ShopAudit.of(suite, accepted: accepted)
        while !audit.isClean && clock.now < deadline {
            try await Task.sleep(for: .seconds(2))
            audit = try await ShopAudit.of(suite, accepted: accepted)
        }
        let recovered = purchases.filter { $0.startedAt >= faultAt && $0.completed }.map { $0.finishedAt - faultAt }.min()
        var skipped: Int?
        if case .replay(let service) = fault { skipped = try await duplicatesSkipped(by: service) }
        var row = Row(fault: fault, requests: counted.byStatus.values.reduce(0, +),
                   failed: counted.byStatus.filter { !Self.isAnswer($0.key) }, accepted: acceptedNow.count, audit: audit,
                   webhooksDelivered: counted.webhooksDelivered, webhooksRefused: counted.webhooksRefused, recoveredIn: recovered,
                   duplicatesSkipped: skipped)
        row.unanswered = unanswered
        return row
    }

    /// `consumer_events_duplicate_total` from the service's `/metrics` (since its last start).
    private func duplicatesSkipped(by service: String) async throws -> Int {
        let metrics = try await send(client, "GET", suite.baseURL(service) + "/metrics")
        let text = String(decoding: metrics.body, as: UTF8.self)
        return text.split(separator: "\n").filter { $0.hasPrefix("consumer_events_duplicate_total") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0) { $0 + Int($1) }
    }

    /// An answer the storefront acts on as planned: success, not modified, or "not yet" (409).
    static func isAnswer(_ status: Int) -> Bool { (200..<300).contains(status) || status == 304 || status == 409 }

    private func apply(_ fault: Fault) async throws {
        switch fault {
        case .crash(let service, let downFor):
            await suite.kill(service)
            try await Task.sleep(for: downFor)
            try await start(service, replica: 0)
        case .webhookStorm:
            storefront?.storm(true)
        case .restartPostgres(let command):
            try await runQuietly(command, what: "restarting PostgreSQL")
        case .restartBroker(let command):
            let since = Date().addingTimeInterval(-60)
            try await runQuietly(command, what: "restarting the broker")
            // A consumer's position (and the offsets it commits as it stops) belong to the lost
            // topics: each consuming service starts again from the start of the new ones.
            // The broker forgot the groups, but a running consumer goes on from its position
            // in the lost topic (and commits it as it stops): each consuming service starts
            // again in a new group, which reads the new topics from their start. (Resetting the
            // old groups' offsets, as an operator would on a broker that allows it, is refused
            // by the local broker while it still counts the stopped member.)
            for service in SuiteProcesses.services where service != "gateway" {
                await suite.stop(service)
                groups[service] = suite.topicPrefix + service + ".after-broker-\(UUID().uuidString.prefix(8).lowercased())"
                try await start(service, replica: 0)
            }
            try await republish(since: since)
        case .replay(let service):
            try await restartFromTheStart(service)
        case .deploy(let services):
            for service in services {
                for replica in 0..<(replicas[service] ?? 1) {
                    await suite.stop(service, replica: replica)
                    try await start(service, replica: replica)
                }
            }
        }
    }

    /// Runs `command` with `/bin/bash -c`, its output going nowhere (a restarted server would
    /// keep a pipe open for good).
    private func runQuietly(_ command: String, what: String) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", command]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        guard process.terminationStatus == 0 else { throw HarnessError("\(what) failed (\(process.terminationStatus))") }
    }

    /// Stops `service`, sets its consumer group back to the start of every topic it takes, and
    /// starts it again.
    private func restartFromTheStart(_ service: String) async throws {
        await suite.stop(service)
        let own = suite.topicPrefix + "\(service).events"
        try await KafkaConsumer.rewind(groupID: groups[service] ?? suite.topicPrefix + service, topics: Topic.all.map { suite.topicPrefix + $0 }.filter { $0 != own },
                                       configuration: TestInfrastructure.kafka, logger: TestInfrastructure.logger)
        try await start(service, replica: 0)
    }

    /// Asks every service to publish its events since `since` again, as an operator would
    /// after the broker lost them; each service's relay recreates its topic.
    private func republish(since: Date) async throws {
        for service in SuiteProcesses.services where service != "gateway" {
            let answer = try await send(client, "POST", suite.baseURL(service) + "/admin/outbox/republish",
                                        json: ["since": RFC3339.string(from: since)], headers: Self.admin)
            guard answer.status == 202 else { throw HarnessError("republishing \(service)'s events answered \(answer.status)") }
        }
    }

    /// The rows as a table.
    public static func table(_ rows: [Row]) -> String {
        func seconds(_ duration: Duration?) -> String {
            duration.map { String(format: "%.1f s", Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18) } ?? "–"
        }
        var lines = ["| fault | requests | failed (by status) | accepted | lost | duplicated | stock off | held for ended | webhooks refused "
                     + "| redelivered, skipped | recovered in | holds |",
                     "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for row in rows {
            let failed = row.failed.isEmpty ? "0" : row.failed.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key == 0 ? "no connection" : String($0.key))" }
                .joined(separator: ", ")
            lines.append("| \(row.fault) | \(row.requests) | \(failed) | \(row.accepted) | \(row.audit.lost.count) | \(row.audit.duplicated.count) "
                         + "| \(row.audit.stockMismatches.count) | \(row.audit.heldForEnded) | \(row.webhooksRefused) "
                         + "| \(row.duplicatesSkipped.map(String.init) ?? "–") | \(seconds(row.recoveredIn)) "
                         + "| \(row.holds ? "yes" : "**no**") |")
        }
        return lines.joined(separator: "\n")
    }
}

/// The harness could not do what it set out to.
public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
