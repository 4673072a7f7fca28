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
    let suite = SuiteProcesses(portOffset: portOffset)
    let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
    do {
        try await StartingServices.shared.starting(services.count) {
            for service in services { try await suite.start(service, overrides: overrides) }
            for service in services { try await waitUntilReady(service, of: suite, client) }
        }
        try await body(client, suite)
    } catch {
        try? await client.shutdown()
        await suite.stopAll()
        throw error
    }
    try await client.shutdown()
    await suite.stopAll()
}

/// Signs the bootstrap admin in through the gateway (the README's credentials) and returns
/// the access token.
func adminToken(_ client: HTTPClient, gateway base: String) async throws -> String {
    let login = try await send(client, "POST", base + "/api/admin/auth/login",
                               json: ["email": "admin@shop.local", "password": "admin-local-password"])
    #expect(login.status == 200, "bootstrap admin signs in: \(String(decoding: login.body, as: UTF8.self))")
    return try #require(login.json?["access_token"] as? String)
}

/// How many services of the whole test run may be starting at once. The suites run side by
/// side, and each start migrates a schema and asks the one local broker to create topics and
/// join groups; some thirty suites starting together (150 processes) had the broker answer
/// none of them within its timeout. A suite takes a slot per service until all its services
/// are ready, then gives them back.
actor StartingServices {
    static let shared = StartingServices(capacity: 18)

    private let capacity: Int
    private var free: Int
    private var waiting: [(count: Int, resume: CheckedContinuation<Void, Never>)] = []

    init(capacity: Int) {
        self.capacity = capacity
        free = capacity
    }

    /// Runs `body` holding `count` slots (at most the capacity), waiting its turn for them.
    func starting<Result: Sendable>(_ count: Int, _ body: @Sendable () async throws -> Result) async throws -> Result {
        let wanted = min(count, capacity)
        await take(wanted)
        defer { give(wanted) }
        return try await body()
    }

    private func take(_ count: Int) async {
        if waiting.isEmpty, free >= count {
            free -= count
            return
        }
        await withCheckedContinuation { waiting.append((count, $0)) }
    }

    private func give(_ count: Int) {
        free += count
        while let first = waiting.first, free >= first.count {
            free -= first.count
            waiting.removeFirst()
            first.resume.resume()
        }
    }
}
