import Foundation
import ServiceKitTestKit
import Testing

/// There is no Docker engine on the development machines, so docker-compose.yml is checked
/// structurally: parsed by a real YAML parser (PyYAML, which also resolves the `<<` merge
/// keys), then compared with the package's executables and what each one reads.
@Suite("docker-compose.yml and deploy manifests")
struct ComposeFileTests {
    static let root = SuiteProcesses.repositoryRoot

    static func loadYAML(_ relativePath: String) async throws -> [String: Any] {
        let (status, output) = try await SuiteProcesses.exec(
            SuiteProcesses.pythonTool("python"),
            arguments: ["-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
                        root.appendingPathComponent(relativePath).path])
        #expect(status == 0, "\(relativePath) parses as YAML")
        return try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
    }

    /// What `kubectl apply -k deploy/services/<service>` applies: the base with that service's
    /// overlay, rendered by Tests/Tools/kustomize_build.py (the tests need no kubectl).
    static func renderedManifest(_ service: String) async throws -> [[String: Any]] {
        let (status, output) = try await SuiteProcesses.exec(
            SuiteProcesses.pythonTool("python"),
            arguments: [root.appendingPathComponent("Tests/Tools/kustomize_build.py").path,
                        root.appendingPathComponent("deploy/services/\(service)").path], mergingErrors: true)
        #expect(status == 0, "deploy/services/\(service) renders: \(output)")
        return try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]])
    }

    /// The variables an executable documents in --help.
    static func documentedVariables(of service: String) async throws -> Set<String> {
        let output = try await SuiteProcesses.help(of: service).output
        return Set(output.split(separator: "\n").compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard let name = trimmed.split(separator: " ").first, name.allSatisfy({ $0.isUppercase || $0 == "_" }), name.count > 2 else { return nil }
            return String(name)
        })
    }

    @Test("every service in the compose file is an executable of the package, built by its own argument, with the variables it needs")
    func composeMatchesPackage() async throws {
        let compose = try await Self.loadYAML("docker-compose.yml")
        let services = try #require(compose["services"] as? [String: Any])
        let packageServices = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Services").path)
            .map { $0.lowercased() }.sorted()
        let composeServices = services.keys.filter { $0 != "postgres" && $0 != "kafka" }.sorted()
        #expect(composeServices == packageServices, "one container per service, no more, no less")

        let ports = ["gateway": 8080, "catalog": 8081, "checkout": 8082, "payments": 8083, "orders": 8084, "fulfillment": 8085]
        for name in composeServices {
            let service = try #require(services[name] as? [String: Any])
            let build = try #require(service["build"] as? [String: Any], "\(name) is built")
            #expect(build["dockerfile"] as? String == "deploy/Dockerfile")
            #expect((build["args"] as? [String: Any])?["SERVICE"] as? String == name)
            let environment = try #require(service["environment"] as? [String: Any])
            let documented = try await Self.documentedVariables(of: name)
            for required in ["SERVICE_HOST", "SERVICE_PORT", "DATABASE_URL_FILE", "KAFKA_BROKERS"] {
                #expect(environment[required] != nil, "\(name) gets \(required)")
            }
            for variable in environment.keys {
                let read = variable.hasSuffix("_FILE") ? String(variable.dropLast(5)) : variable
                #expect(documented.contains(read), "\(name) reads \(read) (it is in its --help)")
            }
            #expect(environment["SERVICE_HOST"] as? String == "0.0.0.0")
            #expect("\(environment["SERVICE_PORT"] ?? "")" == "\(ports[name]!)")
            #expect(environment["DATABASE_URL_FILE"] as? String == "/run/secrets/\(name)_database_url", "\(name) connects with its own role's URL")
            #expect(environment["KAFKA_BROKERS"] as? String == "kafka:9092")
            let dependsOn = try #require(service["depends_on"] as? [String: Any])
            #expect(Set(dependsOn.keys) == ["postgres", "kafka"])
            let health = try #require((service["healthcheck"] as? [String: Any])?["test"] as? [String])
            #expect(health.joined(separator: " ").contains(":\(ports[name]!)/health/ready"))
            #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent("deploy/services/\(name)/kustomization.yaml").path),
                    "\(name) can be rolled out alone")
        }
        let gateway = try #require((services["gateway"] as? [String: Any])?["environment"] as? [String: Any])
        for (name, port) in ports where name != "gateway" {
            #expect(gateway["\(name.uppercased())_URL"] as? String == "http://\(name):\(port)")
        }
        let payments = try #require((services["payments"] as? [String: Any])?["environment"] as? [String: Any])
        #expect("\(payments["WEBHOOK_PORT"] ?? "")" == "8090")
    }

    @Test("Kafka runs in KRaft mode from the official image; PostgreSQL gets the per-service roles")
    func infrastructureContainers() async throws {
        let services = try #require(try await Self.loadYAML("docker-compose.yml")["services"] as? [String: Any])
        let kafka = try #require(services["kafka"] as? [String: Any])
        #expect((kafka["image"] as? String)?.hasPrefix("apache/kafka:") == true)
        let kafkaEnvironment = try #require(kafka["environment"] as? [String: Any])
        #expect((kafkaEnvironment["KAFKA_PROCESS_ROLES"] as? String)?.contains("controller") == true)
        #expect(kafkaEnvironment["KAFKA_CONTROLLER_QUORUM_VOTERS"] != nil)
        let postgres = try #require(services["postgres"] as? [String: Any])
        let volumes = try #require(postgres["volumes"] as? [String])
        #expect(volumes.contains { $0.contains("create-schemas.sql") })
    }

    @Test("every per-service manifest deploys that service's image with its health probes")
    func manifests() async throws {
        for name in ["gateway", "catalog", "checkout", "payments", "orders", "fulfillment"] {
            let deployments = try await Self.renderedManifest(name).filter { $0["kind"] as? String == "Deployment" }
            let spec = ((deployments.first?["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any]
            let container = try #require((spec?["containers"] as? [[String: Any]])?.first, "\(name) has a container")
            #expect((container["image"] as? String)?.hasPrefix("commerce-\(name):") == true, "\(name): \(container["image"] ?? "no image")")
            #expect(((container["readinessProbe"] as? [String: Any])?["httpGet"] as? [String: Any])?["path"] as? String == "/health/ready")
            let database = (container["env"] as? [[String: Any]])?.first { $0["name"] as? String == "DATABASE_URL" }
            #expect(((database?["valueFrom"] as? [String: Any])?["secretKeyRef"] as? [String: Any])?["name"] as? String == "\(name)-database")
        }
    }
}
