import AsyncHTTPClient
import Foundation
import ServiceKitTestKit
import Testing

/// The OpenAPI document the gateway serves is the contract storefronts and tools build on:
/// it must list exactly the routes the executables register, and the running API must keep
/// to it under a fuzzer (schemathesis, from PyPI).
@Suite("The public API contract", .serialized)
struct PublicContractTests {
    /// What the document must list, with the access each route is mounted behind: the
    /// gateway's own routes and every service's routes under `/api/<service>`, read from the
    /// executables themselves (`--routes` prints `METHOD /path access`). The kit's own routes
    /// (health, metrics, a service's own document) are `internal`: never forwarded.
    static func registeredPublicRoutes() async throws -> [String: String] {
        var routes: [String: String] = [:]
        for service in SuiteProcesses.services {
            for line in try await SuiteProcesses.routes(of: service) {
                let parts = line.split(separator: " ").map(String.init)
                #expect(parts.count == 3, "\(service) --routes: '\(line)' is METHOD /path access")
                guard parts.count == 3, parts[2] != "internal" else { continue }
                if service == "gateway" {
                    // The forwarder and the merged document are the gateway's machinery, not operations.
                    if parts[1] != "/api/{service}/**" && parts[1] != "/openapi.json" { routes["\(parts[0]) \(parts[1])"] = parts[2] }
                } else {
                    routes["\(parts[0]) /api/\(service)\(parts[1])"] = parts[2]
                }
            }
        }
        return routes
    }

    /// Every documented operation, with its `x-access`.
    static func documentedRoutes(_ document: [String: Any]) -> [String: String] {
        var routes: [String: String] = [:]
        for (path, item) in document["paths"] as? [String: Any] ?? [:] {
            for (method, operation) in item as? [String: Any] ?? [:] {
                routes["\(method.uppercased()) \(path)"] = (operation as? [String: Any])?["x-access"] as? String ?? "(none)"
            }
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
            let undocumented = Set(registered.keys).subtracting(documented.keys).sorted()
            let unregistered = Set(documented.keys).subtracting(registered.keys).sorted()
            #expect(undocumented.isEmpty, "registered but undocumented: \(undocumented)")
            #expect(unregistered.isEmpty, "documented but not registered: \(unregistered)")
            // The access a route is documented with is the role check it is mounted behind.
            let mismatched = registered.filter { route, access in documented[route].map { $0 != access } ?? false }
                .map { "\($0.key): mounted \($0.value), documented \(documented[$0.key] ?? "")" }.sorted()
            #expect(mismatched.isEmpty, "access differs: \(mismatched)")
            #expect(Set(registered.values).isSuperset(of: ["everyone", "customer", "staff", "admin"]))

            var ids = Set<String>()
            let schemas = ((document["components"] as? [String: Any])?["schemas"] as? [String: Any]) ?? [:]
            for (path, item) in document["paths"] as? [String: Any] ?? [:] {
                for (method, value) in item as? [String: Any] ?? [:] {
                    let operation = try #require(value as? [String: Any])
                    let id = try #require(operation["operationId"] as? String, "\(method) \(path) has an id")
                    #expect(ids.insert(id).inserted, "operation id \(id) is unique")
                    #expect(["everyone", "customer", "staff", "admin", "platform"].contains(operation["x-access"] as? String ?? ""))
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
