import Foundation
import ServiceKitTestKit
import Testing

/// No secret has a working built-in value outside local development: the executables stop
/// without theirs, naming them, and no manifest runs a service with a secret written into it.
@Suite("Secrets: required outside local development, never written into a manifest")
struct SecretsTests {
    static let root = SuiteProcesses.repositoryRoot

    /// A service's secret variables from its `--help`, and which of them it cannot start without.
    static func secrets(of service: String) async throws -> (all: Set<String>, required: Set<String>) {
        var all: Set<String> = [], required: Set<String> = []
        for line in try await SuiteProcesses.help(of: service).output.split(separator: "\n") where line.contains("[secret") {
            let name = String(line.trimmingCharacters(in: .whitespaces).split(separator: " ")[0])
            all.insert(name)
            if line.contains("required outside local development") { required.insert(name) }
        }
        return (all, required)
    }

    /// Runs `service` with only `environment` (and PATH); it must stop at once.
    static func start(_ service: String, _ environment: [String: String]) async throws -> (status: Int32, output: String) {
        try await SuiteProcesses.exec(SuiteProcesses.binDirectory.appendingPathComponent(service), arguments: [],
                               environment: environment.merging(["PATH": "/usr/bin:/bin"]) { $1 }, mergingErrors: true)
    }

    @Test("each service started without the development switch and without its secrets stops at once, naming each and how to make it")
    func servicesRefuseToStartWithoutSecrets() async throws {
        let expected: [String: Set<String>] = [
            "gateway": ["DATABASE_URL", "JWT_KEYS"], "fulfillment": ["DATABASE_URL", "DOWNLOAD_LINK_SECRET"],
            "catalog": ["DATABASE_URL"], "checkout": ["DATABASE_URL"], "payments": ["DATABASE_URL"], "orders": ["DATABASE_URL"],
        ]
        for (service, required) in expected {
            #expect(try await Self.secrets(of: service).required == required, "\(service)'s --help marks its required secrets")
            let (status, output) = try await Self.start(service, [:])
            #expect(status == 78, "\(service) exits with EX_CONFIG: \(output)")
            for name in required {
                #expect(output.contains("\(name) (or \(name)_FILE)"), "\(service) names \(name): \(output)")
            }
            for name in required where name != "DATABASE_URL" {
                #expect(output.contains("`\(service) --new-secret \(name)`"), "\(service) says how to make \(name)")
            }
            #expect(!output.contains("local-development-only"), "no built-in value is shown")
            // Given every other one, the message names only the one still missing.
            for missing in required {
                var given: [String: String] = [:]
                for other in required where other != missing {
                    given[other] = other == "DATABASE_URL" ? "postgres://\(service):x@127.0.0.1:1/commerce" : try await Self.newSecret(service, other)
                }
                let (status, output) = try await Self.start(service, given)
                #expect(status == 78 && output.contains("\(missing) is not set"), "\(service) without \(missing): \(output)")
            }
        }
    }

    static func newSecret(_ service: String, _ name: String) async throws -> String {
        let (status, output) = try await SuiteProcesses.exec(SuiteProcesses.binDirectory.appendingPathComponent(service), arguments: ["--new-secret", name])
        #expect(status == 0)
        return output.trimmingCharacters(in: .newlines)
    }

    @Test("secrets come from <NAME>_FILE too; outside local development a plain bootstrap password is refused, a malformed key set named")
    func filesAndRefusals() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("secrets-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = directory.appendingPathComponent("jwt_keys")
        try (try await Self.newSecret("gateway", "JWT_KEYS") + "\n").write(to: keys, atomically: true, encoding: .utf8)
        let database = ["DATABASE_URL": "postgres://gateway:x@127.0.0.1:1/commerce"]

        let plain = try await Self.start("gateway", database.merging(["JWT_KEYS_FILE": keys.path, "BOOTSTRAP_ADMIN_PASSWORD": "admin-local-password"]) { $1 })
        #expect(plain.status == 78)
        #expect(plain.output.contains("BOOTSTRAP_ADMIN_PASSWORD: is read in local development only"), "the key file was read and accepted: \(plain.output)")
        let badHash = try await Self.start("gateway", database.merging(["JWT_KEYS_FILE": keys.path, "BOOTSTRAP_ADMIN_PASSWORD_HASH": "plain"]) { $1 })
        #expect(badHash.status == 78 && badHash.output.contains("BOOTSTRAP_ADMIN_PASSWORD_HASH"))
        let both = try await Self.start("gateway", database.merging(["JWT_KEYS_FILE": keys.path, "JWT_KEYS": "a:b"]) { $1 })
        #expect(both.status == 78 && both.output.contains("JWT_KEYS: is set both directly and by JWT_KEYS_FILE"))
        let missingFile = try await Self.start("gateway", database.merging(["JWT_KEYS_FILE": directory.appendingPathComponent("none").path]) { $1 })
        #expect(missingFile.status == 78 && missingFile.output.contains("JWT_KEYS_FILE: cannot read"))
        let formerSecret = try await Self.start("gateway", database.merging(["JWT_KEYS": "local-development-only-jwt-secret-0123456789"]) { $1 })
        #expect(formerSecret.status == 78 && formerSecret.output.contains("JWT_KEYS:"), "an HS256 secret is not a key set: \(formerSecret.output)")
        let fulfilment = try await Self.start("fulfillment", ["DATABASE_URL": "postgres://fulfillment:x@127.0.0.1:1/commerce", "DOWNLOAD_LINK_SECRET": try await Self.newSecret("fulfillment", "DOWNLOAD_LINK_SECRET"),
                                                       "POS_BASE_URL": "https://pos.example.com/api/v1"])
        #expect(fulfilment.status == 78 && fulfilment.output.contains("POS_API_KEY: must be set when POS_BASE_URL is"), "\(fulfilment.output)")
    }

    /// Every Deployment's container env in `deploy/services/<service>` (base and overlay, rendered).
    static func manifestEnvironment(_ service: String) async throws -> [[String: Any]] {
        let deployments = try await ComposeFileTests.renderedManifest(service).filter { $0["kind"] as? String == "Deployment" }
        #expect(deployments.count == 1)
        let spec = ((deployments.first?["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any]
        let containers = try #require(spec?["containers"] as? [[String: Any]])
        return containers.flatMap { ($0["env"] as? [[String: Any]]) ?? [] }
    }

    @Test("Kubernetes manifests take every secret from a secretKeyRef, never a value, and give each required one")
    func manifestsUseSecretReferences() async throws {
        for service in SuiteProcesses.services {
            let (secrets, required) = try await Self.secrets(of: service)
            let environment = try await Self.manifestEnvironment(service)
            var given: Set<String> = []
            for entry in environment {
                let name = try #require(entry["name"] as? String)
                #expect(name != "LOCAL_DEVELOPMENT", "\(service) never runs for local development")
                guard secrets.contains(name) || secrets.contains(String(name.dropLast(5))) && name.hasSuffix("_FILE") else { continue }
                #expect(entry["value"] == nil, "\(service): \(name) is not written into the manifest")
                let reference = (entry["valueFrom"] as? [String: Any])?["secretKeyRef"] as? [String: Any]
                #expect(reference?["name"] is String && reference?["key"] is String, "\(service): \(name) comes from a Secret")
                if required.contains(name) {
                    #expect(reference?["optional"] == nil, "\(service): \(name) is required, so its Secret is too")
                }
                given.insert(name)
            }
            #expect(required.isSubset(of: given), "\(service) gets \(required.subtracting(given).sorted())")
        }
    }

    @Test("docker-compose gives every secret as a file from git-ignored .secrets, and make-secrets.sh makes them all")
    func composeUsesSecretFiles() async throws {
        let compose = try await ComposeFileTests.loadYAML("docker-compose.yml")
        let services = try #require(compose["services"] as? [String: Any])
        let declared = try #require(compose["secrets"] as? [String: Any])
        for (name, value) in declared {
            let file = try #require((value as? [String: Any])?["file"] as? String)
            #expect(file == "./.secrets/\(name)", "\(name) is a file in .secrets")
        }
        let (ignored, _) = try await SuiteProcesses.exec(URL(fileURLWithPath: "/usr/bin/git"),
                                                  arguments: ["-C", Self.root.path, "check-ignore", "-q", ".secrets/jwt_keys"])
        #expect(ignored == 0, ".secrets/ is never committed")

        for service in SuiteProcesses.services {
            let (secrets, required) = try await Self.secrets(of: service)
            let definition = try #require(services[service] as? [String: Any])
            let environment = try #require(definition["environment"] as? [String: Any])
            let mounted = Set((definition["secrets"] as? [String]) ?? [])
            #expect(environment["LOCAL_DEVELOPMENT"] == nil, "\(service) never runs for local development")
            for secret in secrets {
                #expect(environment[secret] == nil, "\(service): \(secret) is not written into the compose file")
                if let path = environment["\(secret)_FILE"] as? String {
                    let file = String(path.dropFirst("/run/secrets/".count))
                    #expect(path.hasPrefix("/run/secrets/") && mounted.contains(file) && declared[file] != nil,
                            "\(service): \(secret)_FILE names a mounted secret")
                }
            }
            for secret in required { #expect(environment["\(secret)_FILE"] != nil, "\(service) gets \(secret)") }
        }
        let postgres = try #require((services["postgres"] as? [String: Any])?["environment"] as? [String: Any])
        #expect(postgres["POSTGRES_PASSWORD"] == nil && postgres["POSTGRES_PASSWORD_FILE"] as? String == "/run/secrets/postgres_password")

        // The script makes every declared file; each service's URL carries its own role and password.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("compose-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch.appendingPathComponent("deploy/compose"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let script = scratch.appendingPathComponent("deploy/compose/make-secrets.sh")
        try FileManager.default.copyItem(at: Self.root.appendingPathComponent("deploy/compose/make-secrets.sh"), to: script)
        #expect(try await SuiteProcesses.exec(URL(fileURLWithPath: "/bin/sh"), arguments: [script.path]).status == 0)
        func read(_ name: String) throws -> String { try String(contentsOf: scratch.appendingPathComponent(".secrets/\(name)"), encoding: .utf8) }
        for name in declared.keys { #expect(FileManager.default.fileExists(atPath: scratch.appendingPathComponent(".secrets/\(name)").path), "\(name)") }
        for service in SuiteProcesses.services {
            let url = try #require(URLComponents(string: try read("\(service)_database_url")))
            #expect(url.user == service && url.host == "postgres")
            #expect(url.password == (try read("\(service)_db_password")) && (url.password?.count ?? 0) >= 40)
        }
        #expect(try read("jwt_keys").range(of: #"^[0-9]{8}:[A-Za-z0-9_-]{43}$"#, options: .regularExpression) != nil)
        #expect(try read("postgres_password") != "postgres-local")
        // The folder guards the host; the files must be readable by the containers' other users.
        func mode(_ path: String) throws -> Int {
            try #require(try FileManager.default.attributesOfItem(atPath: scratch.appendingPathComponent(path).path)[.posixPermissions] as? Int)
        }
        #expect(try mode(".secrets") == 0o700)
        for name in declared.keys { #expect(try mode(".secrets/\(name)") == 0o644, "\(name)") }
    }

    @Test("only the gateway reaches a service's internal API (it trusts the gateway's identity headers); webhook listeners stay reachable")
    func internalAPIsAdmitOnlyTheGateway() async throws {
        let ports = ["catalog": 8081, "checkout": 8082, "payments": 8083, "orders": 8084, "fulfillment": 8085]
        let webhooks = ["payments": 8090, "fulfillment": 8092]
        for (service, port) in ports {
            let policies = try await ComposeFileTests.renderedManifest(service).filter { $0["kind"] as? String == "NetworkPolicy" }
            let spec = try #require(policies.first?["spec"] as? [String: Any], "\(service) has a NetworkPolicy")
            #expect(((spec["podSelector"] as? [String: Any])?["matchLabels"] as? [String: String])?["app.kubernetes.io/name"] == service)
            #expect(spec["policyTypes"] as? [String] == ["Ingress"])
            let rules = try #require(spec["ingress"] as? [[String: Any]])
            for rule in rules {
                let rulePorts = ((rule["ports"] as? [[String: Any]]) ?? []).compactMap { $0["port"] as? Int }
                if rulePorts.contains(port) {
                    let from = (rule["from"] as? [[String: Any]]) ?? []
                    let selectors = from.compactMap { (($0["podSelector"] as? [String: Any])?["matchLabels"] as? [String: String])?["app.kubernetes.io/name"] }
                    #expect(!from.isEmpty && selectors == ["gateway"], "\(service):\(port) admits the gateway only")
                } else {
                    #expect(rulePorts == webhooks[service].map { [$0] }, "\(service) opens nothing else to all: \(rulePorts)")
                }
            }
            #expect(rules.contains { (($0["ports"] as? [[String: Any]]) ?? []).contains { $0["port"] as? Int == port } })
        }
    }
}
