import AsyncHTTPClient
import Foundation
import ServiceKitTestKit
import Testing

/// A service whose PostgreSQL goes away while it runs (a TCP relay in front of the database,
/// killed and started again): it stays up, says so, refuses quickly, and recovers alone.
@Suite("PostgreSQL out of reach", .serialized)
struct DatabaseOutageTests {
    @Test("the catalog stays up: readiness degraded (503), requests 503 with Retry-After at once, and it recovers by itself")
    func databaseDown() async throws {
        let suite = SuiteProcesses(portOffset: 1160)
        let relayPort = 19257
        let target = URLComponents(string: TestInfrastructure.adminDatabaseURL)!
        let relayArguments = [String(relayPort), target.host ?? "127.0.0.1", String(target.port ?? 5432)]
        var relay = try SuiteProcesses.startTool("tcp_proxy.py", relayArguments)
        var throughRelay = URLComponents(string: suite.environment(for: "catalog")["DATABASE_URL"]!)!
        throughRelay.port = relayPort
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        do {
            try await suite.start("catalog", overrides: ["DATABASE_URL": throughRelay.string!])
            try await suite.start("gateway")
            for service in ["catalog", "gateway"] { try await waitUntilReady(service, of: suite, client) }
            let base = suite.baseURL("gateway")
            let admin = try await adminToken(client, gateway: base)
            _ = try await product(client, base, admin: admin, stock: 2, price: 10_000)

            SuiteProcesses.stopTool(relay)
            var readiness: Answer?
            #expect(try await waitUntil(timeout: .seconds(15)) {
                readiness = try await send(client, "GET", suite.baseURL("catalog") + "/health/ready")
                return readiness?.status == 503
            }, "readiness notices the database is gone")
            #expect(readiness?.json?["status"] as? String == "degraded")
            #expect((readiness?.json?["checks"] as? [String: Any])?["database"] as? String == "failing")
            #expect(readiness?.header("Retry-After") != nil)
            #expect(try await send(client, "GET", suite.baseURL("catalog") + "/health/live").status == 200, "the process stays up")

            let started = ContinuousClock.now
            let refused = try await send(client, "POST", base + "/api/catalog/admin/products", json: [
                "slug": unique("outage"), "title": "Không có",
                "variants": [["sku": unique("OUT"), "price": ["minor_units": 1_000, "currency": "VND"], "on_hand": 1]],
            ], headers: ["Authorization": "Bearer \(admin)"])
            #expect(ContinuousClock.now - started < .seconds(3), "answered at once, not after the pool gave up")
            #expect(refused.status == 503)
            #expect(refused.problemType == "/problems/service-unavailable")
            #expect(refused.header("Retry-After") == "2")

            relay = try SuiteProcesses.startTool("tcp_proxy.py", relayArguments)
            #expect(try await waitUntil(timeout: .seconds(30)) {
                try await send(client, "GET", suite.baseURL("catalog") + "/health/ready").status == 200
            }, "the catalog recovers without a restart")
            _ = try await product(client, base, admin: admin, stock: 2, price: 10_000)
        } catch {
            SuiteProcesses.stopTool(relay)
            try? await client.shutdown()
            await suite.stopAll()
            throw error
        }
        SuiteProcesses.stopTool(relay)
        try await client.shutdown()
        await suite.stopAll()
    }
}
