import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import ServiceKitTestKit
import Testing

/// The six executables, started as processes on the real PostgreSQL and broker.
@Suite("End to end: the suite's executables", .serialized)
struct WalkingSkeletonTests {
    @Test("every executable answers --help with its configuration variables")
    func everyExecutableAnswersHelp() async throws {
        for service in SuiteProcesses.services {
            let (status, output) = try await SuiteProcesses.help(of: service)
            #expect(status == 0, "\(service) --help exits 0")
            #expect(output.hasPrefix("\(service) "))
            for variable in ["SERVICE_PORT", "DATABASE_URL", "KAFKA_BROKERS", "LOG_LEVEL"] {
                #expect(output.contains(variable), "\(service) documents \(variable)")
            }
            #expect(!output.contains("-local@"), "\(service) --help shows no password")
        }
    }

    @Test("all six start and become ready; a request to the gateway becomes an event another service applies, visible through the gateway; SIGTERM stops all cleanly")
    func walkingSkeleton() async throws {
        let suite = SuiteProcesses()
        try await suite.startAll()
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        do {
            for service in SuiteProcesses.services {
                let ready = try await waitUntil(timeout: .seconds(60)) {
                    (try? await get(client, suite.baseURL(service) + "/health/ready"))?.status == 200
                }
                #expect(ready, "\(service) ready; log:\n\(suite.log(of: service).suffix(2000))")
            }
            let webhookReady = try await get(client, "http://127.0.0.1:\(suite.paymentsWebhookPort)/health/live")
            #expect(webhookReady.status == 200, "payments' webhook listener answers")

            // An operator's probe (staff only), with its own correlation id.
            let gateway = suite.baseURL("gateway")
            let token = try await adminToken(client, gateway: gateway)
            let staffOnly = try await send(client, "POST", gateway + "/api/catalog/probes", json: ["note": "anonymous"])
            #expect(staffOnly.status == 401, "probes are staff only")
            var request = HTTPClientRequest(url: gateway + "/api/catalog/probes")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.headers.add(name: "X-Request-Id", value: "walking-skeleton-1")
            request.body = .bytes(ByteBuffer(string: #"{"note":"hello from the storefront"}"#))
            let response = try await client.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 20)
            #expect(response.status.code == 202)
            #expect(response.headers.first(name: "X-Request-Id") == "walking-skeleton-1")
            let accepted = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
            let probeID = try #require(accepted?["probe_id"] as? String)
            #expect(accepted?["topic"] as? String == suite.topicPrefix + "catalog.events")

            // Checkout consumed catalog's event; the gateway shows the effect.
            var receipt: [String: Any]?
            let arrived = try await waitUntil(timeout: .seconds(30)) {
                guard let answer = try? await send(client, "GET", gateway + "/api/checkout/probes/\(probeID)",
                                                   headers: ["Authorization": "Bearer \(token)"]),
                      answer.status == 200 else { return false }
                receipt = try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any]
                return true
            }
            #expect(arrived, "the event reached checkout; checkout log:\n\(suite.log(of: "checkout").suffix(3000))")
            #expect(receipt?["sent_by"] as? String == "catalog")
            #expect(receipt?["received_by"] as? String == "checkout")
            #expect(receipt?["note"] as? String == "hello from the storefront")
            #expect(receipt?["correlation_id"] as? String == "walking-skeleton-1", "correlation id travelled HTTP → Kafka → consumer")

            // Errors are problems, through the gateway too.
            let missing = try await send(client, "GET", gateway + "/api/orders/probes/00000000-0000-0000-0000-000000000000",
                                         headers: ["Authorization": "Bearer \(token)"])
            #expect(missing.status == 404)
            #expect(missing.contentType == "application/problem+json")
            let unknown = try await get(client, gateway + "/api/nowhere/x")
            #expect(unknown.status == 404)
            #expect(unknown.contentType == "application/problem+json")
            for operatorPath in ["/api/orders/metrics", "/api/orders/health/ready", "/api/catalog/openapi.json"] {
                #expect(try await get(client, gateway + operatorPath).status == 404, "\(operatorPath) is not forwarded")
            }
            let metrics = try await get(client, suite.baseURL("orders") + "/metrics")
            #expect(String(decoding: metrics.body, as: UTF8.self).contains("consumer_events_processed_total"))
        } catch {
            try? await client.shutdown()
            await suite.stopAll()
            throw error
        }
        try await client.shutdown()
        let statuses = await suite.stopAll()
        for service in SuiteProcesses.services {
            #expect(statuses[service] == .some(0), "\(service) shut down gracefully on SIGTERM; log:\n\(suite.log(of: service).suffix(1500))")
        }
    }

    @Test("the gateway answers 503 with Retry-After as a problem when a service stays down past its retry budget")
    func gatewayReportsUnavailableService() async throws {
        let (suite, client) = try await started("gateway", overrides: ["UPSTREAM_RETRY_MS": "3000"])
        // The catalog service is not started in this test. A refused connection sent nothing,
        // so a read and a write alike are tried again for the budget, then answered.
        for (method, path) in [("GET", "/api/catalog/probes/00000000-0000-0000-0000-000000000000"), ("POST", "/api/catalog/carts")] {
            let started = ContinuousClock.now
            let answer = try await send(client, method, suite.baseURL("gateway") + path)
            let waited = ContinuousClock.now - started
            #expect(answer.status == 503 && answer.header("Retry-After") == "2", "\(method) \(path)")
            #expect(answer.contentType == "application/problem+json")
            #expect(String(decoding: answer.body, as: UTF8.self).contains("/problems/service-unavailable"))
            #expect(waited >= .seconds(2.5) && waited < .seconds(8), "\(method): tried for the budget, then answered: \(waited)")
        }
        try await client.shutdown()
        await suite.stopAll()
    }

    @Test("after SIGTERM a service keeps serving for its drain time while it says it is not ready and closes each connection it answers, then stops cleanly")
    func drainsBeforeStopping() async throws {
        let (suite, client) = try await started("catalog", overrides: ["DRAIN_MS": "3000"], health: "/health/ready")
        let served = try await get(client, suite.baseURL("catalog") + "/products?page_size=1")
        #expect(served.status == 200 && served.header("Connection") != "close")
        suite.terminate("catalog")
        let draining = try await waitUntil(timeout: .seconds(2)) {
            (try? await get(client, suite.baseURL("catalog") + "/health/ready"))?.status == 503
        }
        #expect(draining, "not ready as soon as it is told to stop")
        let readiness = try await get(client, suite.baseURL("catalog") + "/health/ready")
        #expect((readiness.json?["checks"] as? [String: String])?["accepting"] == "failing")
        let stillServed = try await get(client, suite.baseURL("catalog") + "/products?page_size=1")
        #expect(stillServed.status == 200 && stillServed.header("Connection") == "close" && stillServed.header("X-Commerce-Draining") == "true",
                "still serving, closing each connection, saying it is stopping")
        let stopped = try await waitUntil(timeout: .seconds(15)) { !suite.isRunning("catalog") }
        #expect(stopped)
        #expect(await suite.stopAll()["catalog"] == .some(0), "it exited by itself, cleanly")
        try await client.shutdown()
    }

    @Test("a read sent while its service restarts waits for it at the gateway and gets the service's answer, not an error")
    func gatewayRetriesAcrossARestart() async throws {
        let (suite, client) = try await started("gateway")
        async let answer = get(client, suite.baseURL("gateway") + "/api/catalog/products?page_size=1")
        try await Task.sleep(for: .milliseconds(500))
        try await suite.start("catalog")
        let read = try await answer
        #expect(read.status == 200, "the gateway kept trying until the catalog was up: \(read.status)")
        try await client.shutdown()
        await suite.stopAll()
    }

    /// Starts one service of a fresh suite and waits until it answers `health` with 200;
    /// returns the suite and a client for it.
    private func started(_ service: String, overrides: [String: String] = [:], health: String = "/health/live")
        async throws -> (SuiteProcesses, HTTPClient) {
        let suite = SuiteProcesses()
        try await suite.start(service, overrides: overrides)
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        let up = try await waitUntil(timeout: .seconds(60)) {
            (try? await get(client, suite.baseURL(service) + health))?.status == 200
        }
        #expect(up, "\(service) answers \(health)")
        return (suite, client)
    }
}
