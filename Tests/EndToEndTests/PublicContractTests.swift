import AsyncHTTPClient
import Foundation
import ServiceKitTestKit
import Testing

/// The OpenAPI document the gateway serves is the contract storefronts and tools build on:
/// it must list exactly the routes the executables register, and the running API must keep
/// to it under a fuzzer (schemathesis, from PyPI).
@Suite("The public API contract", .serialized)
struct PublicContractTests {
    /// Routes the kit serves to operators and the gateway only, never forwarded.
    static let internalRoutes: Set<String> = ["GET /health/live", "GET /health/ready", "GET /metrics", "GET /openapi.json"]

    /// What the document must list: the gateway's own routes and every service's routes under
    /// `/api/<service>`, read from the executables themselves.
    static func registeredPublicRoutes() async throws -> Set<String> {
        var routes = Set<String>()
        for service in SuiteProcesses.services {
            for route in try await SuiteProcesses.routes(of: service) where !internalRoutes.contains(route) {
                let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
                if service == "gateway" {
                    if parts[1] != "/api/{service}/**" { routes.insert(route) }
                } else {
                    routes.insert("\(parts[0]) /api/\(service)\(parts[1])")
                }
            }
        }
        return routes
    }

    static func documentedRoutes(_ document: [String: Any]) -> Set<String> {
        var routes = Set<String>()
        for (path, item) in document["paths"] as? [String: Any] ?? [:] {
            for method in (item as? [String: Any] ?? [:]).keys { routes.insert("\(method.uppercased()) \(path)") }
        }
        return routes
    }

    @Test("/openapi.json is OpenAPI 3.1 and lists exactly the registered public and admin routes, each with an id, access and answers")
    func documentMatchesRoutes() async throws {
        try await withServices(SuiteProcesses.services, portOffset: 400) { client, suite in
            let answer = try await get(client, suite.baseURL("gateway") + "/openapi.json")
            #expect(answer.status == 200)
            #expect(answer.contentType == "application/json")
            let document = try #require(answer.json)
            #expect(document["openapi"] as? String == "3.1.0")
            #expect((document["info"] as? [String: Any])?["x-missing-services"] as? [String] == [], "every service contributed")

            let registered = try await Self.registeredPublicRoutes()
            let documented = Self.documentedRoutes(document)
            #expect(registered.count > 20)
            #expect(registered.subtracting(documented).isEmpty, "registered but undocumented: \(registered.subtracting(documented).sorted())")
            #expect(documented.subtracting(registered).isEmpty, "documented but not registered: \(documented.subtracting(registered).sorted())")

            var ids = Set<String>()
            let schemas = ((document["components"] as? [String: Any])?["schemas"] as? [String: Any]) ?? [:]
            for (path, item) in document["paths"] as? [String: Any] ?? [:] {
                for (method, value) in item as? [String: Any] ?? [:] {
                    let operation = try #require(value as? [String: Any])
                    let id = try #require(operation["operationId"] as? String, "\(method) \(path) has an id")
                    #expect(ids.insert(id).inserted, "operation id \(id) is unique")
                    #expect(["everyone", "customer", "staff", "admin"].contains(operation["x-access"] as? String ?? ""))
                    let responses = try #require(operation["responses"] as? [String: Any])
                    #expect(responses.keys.contains { $0.hasPrefix("2") }, "\(method) \(path) documents its success")
                    #expect(responses["500"] != nil && responses["429"] != nil)
                }
            }
            // Every reference points at a schema the document has.
            let text = String(decoding: answer.body, as: UTF8.self)
            let references = text.matches(of: /"#\/components\/schemas\/([A-Za-z0-9._-]+)"/).map { String($0.output.1) }
            #expect(!references.isEmpty)
            for reference in Set(references) { #expect(schemas[reference] != nil, "schema \(reference) exists") }
        }
    }

    @Test("schemathesis against the running gateway: no 5xx, every answer's status, content type, headers and body as documented")
    func schemathesis() async throws {
        // Limits lifted so the fuzzer reaches every route's logic; checkout answers at once for
        // the carts it has never seen (the fuzzer's ids) instead of waiting for their snapshot.
        let overrides = ["RATE_LIMIT_PER_MINUTE": "100000", "RATE_LIMIT_CUSTOMER_PER_MINUTE": "100000", "ORDER_PLACEMENTS_PER_HOUR": "100000",
                         "CART_REPLICA_WAIT_MS": "0", "LOG_LEVEL": "warning"]
        try await withServices(SuiteProcesses.services, portOffset: 400, overrides: overrides) { client, suite in
            let gateway = suite.baseURL("gateway")
            let token = try await adminToken(client, gateway: gateway)
            let (status, output) = try await SuiteProcesses.exec(
                SuiteProcesses.pythonTool("schemathesis"),
                arguments: [
                    "run", gateway + "/openapi.json", "--url", gateway,
                    "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance",
                    "--max-examples", "25", "--seed", "20261121", "--workers", "1",
                    "--header", "Authorization: Bearer \(token)",
                    "--generation-database", "none", "--no-color", "--request-timeout", "15",
                ],
                environment: ProcessInfo.processInfo.environment.merging(["SCHEMATHESIS_HOOKS": "", "NO_COLOR": "1"]) { _, new in new },
                mergingErrors: true)
            let report = output.range(of: "FAILURES").map { String(output[$0.lowerBound...].prefix(20_000)) } ?? String(output.suffix(20_000))
            #expect(status == 0, "schemathesis found problems:\n\(report)")
            #expect(output.contains("passed"), "schemathesis ran:\n\(output.suffix(3000))")
            for service in SuiteProcesses.services {
                #expect(!suite.log(of: service).contains("Fatal error"), "\(service) did not crash")
            }
        }
    }
}
