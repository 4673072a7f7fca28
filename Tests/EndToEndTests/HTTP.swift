import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import ServiceKitTestKit
import Testing

func get(_ client: HTTPClient, _ url: String) async throws -> Answer {
    try await send(client, "GET", url)
}

/// Polls `condition` until it holds or `timeout` passes.
func waitUntil(timeout: Duration, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(200))
    }
    return false
}

/// Waits (up to a minute) until `service` answers `/health/ready` with 200.
func waitUntilReady(_ service: String, of suite: SuiteProcesses, _ client: HTTPClient) async throws {
    let ready = try await waitUntil(timeout: .seconds(60)) {
        (try? await get(client, suite.baseURL(service) + "/health/ready"))?.status == 200
    }
    #expect(ready, "\(service) ready; log:\n\(suite.log(of: service).suffix(2000))")
}

/// Starts `services` on ports of their own (`portOffset`), waits until each is ready, runs
/// `body`, and stops them all (also when `body` throws).
func withServices(_ services: [String], portOffset: Int, overrides: [String: String] = [:],
                  _ body: (HTTPClient, SuiteProcesses) async throws -> Void) async throws {
    let slots = await RunningServices.shared.take(services.count)
    let suite = SuiteProcesses(portOffset: portOffset)
    let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
    do {
        for service in services { try await suite.start(service, overrides: overrides) }
        for service in services { try await waitUntilReady(service, of: suite, client) }
        try await body(client, suite)
    } catch {
        try? await client.shutdown()
        await suite.stopAll()
        await RunningServices.shared.give(slots)
        throw error
    }
    try await client.shutdown()
    await suite.stopAll()
    await RunningServices.shared.give(slots)
}

/// Signs the bootstrap admin in through the gateway (the README's credentials) and returns
/// the access token.
func adminToken(_ client: HTTPClient, gateway base: String) async throws -> String {
    let login = try await send(client, "POST", base + "/api/admin/auth/login",
                               json: ["email": "admin@shop.local", "password": "admin-local-password"])
    #expect(login.status == 200, "bootstrap admin signs in: \(String(decoding: login.body, as: UTF8.self))")
    return try #require(login.json?["access_token"] as? String)
}

/// How many services of the whole test run may be running at once. The suites run side by
/// side on two cores with one local broker; some thirty suites at once (150 processes) had the
/// broker miss its timeouts and waits run out. A suite holds a slot per service while its
/// services run, and waits its turn for them.
actor RunningServices {
    static let shared = RunningServices(capacity: 24)

    private let capacity: Int
    private var free: Int
    private var waiting: [(count: Int, resume: CheckedContinuation<Void, Never>)] = []

    init(capacity: Int) {
        self.capacity = capacity
        free = capacity
    }

    /// Takes `count` slots (at most the capacity), waiting its turn; answers how many it took.
    func take(_ count: Int) async -> Int {
        let wanted = min(count, capacity)
        if waiting.isEmpty, free >= wanted {
            free -= wanted
            return wanted
        }
        await withCheckedContinuation { waiting.append((wanted, $0)) }
        return wanted
    }

    /// Gives back slots ``take(_:)`` took, and lets in whoever waits first and now fits.
    func give(_ count: Int) {
        free += count
        while let first = waiting.first, free >= first.count {
            free -= first.count
            waiting.removeFirst()
            first.resume.resume()
        }
    }
}
