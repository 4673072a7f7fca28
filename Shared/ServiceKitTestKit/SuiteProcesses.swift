import Foundation
import Glibc

/// Starts the six built executables as real processes, on test ports, a topic prefix and
/// schemas of their own (so suites running at once, and a developer's running suite on the
/// same broker and cluster, never see each other's rows or events), and stops them with
/// SIGTERM.
public final class SuiteProcesses: @unchecked Sendable {
    public static let services = ["catalog", "checkout", "payments", "orders", "fulfillment", "gateway"]
    static let basePorts = ["gateway": 18080, "catalog": 18081, "checkout": 18082, "payments": 18083,
                            "orders": 18084, "fulfillment": 18085, "payments-webhooks": 18090, "card-provider": 18091,
                            "merchant-endpoint": 18092, "fulfillment-webhooks": 18093, "pos": 18094, "smtp": 18095,
                            "smtp-inbox": 18096]
    /// The gateway's access-token key in the tests (`JWT_KEYS`: `<kid>:<Ed25519 seed>`): the
    /// tests know it, so they can sign tokens the gateway must refuse (expired, wrong claims).
    public static let jwtKeyID = "e2e-1"
    public static let jwtKeySeed = "yTH8EzZZtR2oeGFEXjBlCYnKw29xT23Z3CTkKqkqG6w"
    public static var jwtKeys: String { "\(jwtKeyID):\(jwtKeySeed)" }

    /// Ports of this instance: each test suite that runs in parallel with others takes its
    /// own `portOffset`.
    public let ports: [String: Int]
    public var paymentsWebhookPort: Int { ports["payments-webhooks"]! }
    /// Where the tests' fake card provider (Stripe's wire format) listens.
    public var cardProviderPort: Int { ports["card-provider"]! }
    /// Where fulfilment's POS webhook listener listens.
    public var fulfillmentWebhookPort: Int { ports["fulfillment-webhooks"]! }
    /// Where the tests' fake POS listens.
    public var posPort: Int { ports["pos"]! }
    /// Secrets the tests share with the fulfilment service.
    public static let posAPIKey = "pos-test-key-0123456789"
    public static let posWebhookSecret = "pos-webhook-secret-0123456789"
    /// Where the tests' SMTP sink takes mail, and where it lists what arrived (HTTP).
    public var smtpPort: Int { ports["smtp"]! }
    public var smtpInboxPort: Int { ports["smtp-inbox"]! }
    /// The key the tests share with fulfilment for signing download links.
    public static let downloadLinkSecret = "download-link-secret-0123456789"
    /// Where the tests' merchant webhook receiver listens.
    public var merchantEndpointPort: Int { ports["merchant-endpoint"]! }
    /// Provider secrets the tests share with the payments service.
    public static let sepayAPIKey = "sepay-test-key-0123456789"
    /// Seals the stores' card keys in the tests' payments services (32 bytes, base64).
    public static let credentialsKey = "dGVzdHMtY3JlZGVudGlhbHMta2V5LTMyLWJ5dGVzISE="
    public static let cardWebhookSecret = "whsec_end_to_end_tests_0123456789"
    public static let cardSecretKey = "sk_test_end_to_end"

    /// What makes this instance's topics and schemas its own.
    public let instance = UUID().uuidString.prefix(8).lowercased()
    public var topicPrefix: String { "e2e-\(instance)." }
    /// The schema `service` owns in this instance: `<service>_e2e_<instance>`, owned by the
    /// service's login role, created on the first start and dropped by ``stopAll(timeout:)``.
    public func schema(of service: String) -> String { "\(service)_e2e_\(instance)" }
    private var schemas: Set<String> = []
    private var processes: [String: Process] = [:]
    /// Processes that crashed while being stopped (a signal other than the SIGTERM sent, or
    /// SIGKILL after the timeout): `catalog: signal 4`. Read and cleared by ``crashedWhileStopping()``.
    private var crashesWhileStopping: [String] = []
    private let logDirectory: URL

    public init(portOffset: Int = 0) {
        ports = Self.basePorts.mapValues { $0 + portOffset }
        logDirectory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("commerce-e2e-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
    }

    /// Where `swift build` put the executables: next to the test bundle.
    public static var binDirectory: URL {
        if let explicit = ProcessInfo.processInfo.environment["COMMERCE_BIN_DIR"] { return URL(fileURLWithPath: explicit) }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.pathComponents.count > 1 && !FileManager.default.fileExists(atPath: url.appendingPathComponent("gateway").path) {
            url.deleteLastPathComponent()
        }
        return url
    }

    /// Runs `<service> --help`; returns its exit status and what it printed.
    public static func help(of service: String) async throws -> (status: Int32, output: String) {
        try await exec(binDirectory.appendingPathComponent(service), arguments: ["--help"])
    }

    /// Runs `<service> --routes`: every route its router registers, as `METHOD /path access`
    /// (`internal` for the kit's own: health, metrics, the service's document).
    public static func routes(of service: String) async throws -> [String] {
        let (status, output) = try await exec(binDirectory.appendingPathComponent(service), arguments: ["--routes"])
        guard status == 0 else { throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "\(service) --routes: \(status)"]) }
        return output.split(separator: "\n").map(String.init)
    }

    /// The repository's root (for files the tests read).
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A tool installed in the suite's Python environment (`.data/venv`, set up by
    /// `deploy/local/install.sh`; `COMMERCE_TEST_PYTHON` names its interpreter).
    public static func pythonTool(_ name: String) -> URL {
        let python = ProcessInfo.processInfo.environment["COMMERCE_TEST_PYTHON"]
            ?? repositoryRoot.appendingPathComponent(".data/venv/bin/python").path
        return URL(fileURLWithPath: python).deletingLastPathComponent().appendingPathComponent(name)
    }

    /// Starts one of `Tests/Tools`' Python stand-ins for an outside party (card provider, POS,
    /// merchant endpoint) in the suite's Python environment; stop it with ``stopTool(_:)``.
    public static func startTool(_ script: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = pythonTool("python")
        process.arguments = [repositoryRoot.appendingPathComponent("Tests/Tools/\(script)").path] + arguments
        // A test run that crashes leaves no tool behind on its port.
        process.environment = ProcessInfo.processInfo.environment.merging(["STOP_WITH_PARENT": "true"]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Stops a tool started with ``startTool(_:_:)`` at once.
    public static func stopTool(_ process: Process) {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Runs a program to its end; returns its exit status and its standard output (standard
    /// error too when `mergingErrors`).
    public static func run(_ executable: URL, arguments: [String], environment: [String: String]? = nil,
                           mergingErrors: Bool = false) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = mergingErrors ? pipe : FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// ``run(_:arguments:environment:mergingErrors:)`` on a Dispatch thread: a test that runs
    /// many programs must not hold the cooperative pool's few threads while they run (other
    /// suites' tasks would starve for seconds).
    public static func exec(_ executable: URL, arguments: [String], environment: [String: String]? = nil,
                            mergingErrors: Bool = false) async throws -> (status: Int32, output: String) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try run(executable, arguments: arguments, environment: environment, mergingErrors: mergingErrors) })
            }
        }
    }

    public func baseURL(_ service: String) -> String { "http://127.0.0.1:\(ports[service]!)" }

    /// Runs `statement` as the database administrator in `service`'s schema of this instance
    /// (tests move a row's clock this way instead of waiting).
    public func runSQL(in service: String, _ statement: String) async throws {
        try await TestSchema.runAsAdmin(["SET LOCAL search_path TO \(schema(of: service))", statement])
    }

    /// The environment one service gets: its role on the test database, test ports, prefix.
    public func environment(for service: String) -> [String: String] {
        var components = URLComponents(string: TestInfrastructure.adminDatabaseURL)!
        components.user = service
        components.password = "\(service)-local"
        var environment = ProcessInfo.processInfo.environment
        environment["SERVICE_PORT"] = "\(ports[service]!)"
        // A test run that crashes leaves no service behind on its ports.
        environment["STOP_WITH_PARENT"] = "true"
        environment["DATABASE_URL"] = components.string!
        environment["DATABASE_SCHEMA"] = schema(of: service)
        environment["KAFKA_BROKERS"] = TestInfrastructure.kafkaBrokers
        environment["KAFKA_TOPIC_PREFIX"] = topicPrefix
        environment["LOG_LEVEL"] = "info"
        // Many suites run at once, six services each, against one PostgreSQL (400 connections):
        // the kit's 20 per pool ran it out ("too many clients", answered as 503) under the
        // whole test run. The tests' load needs far fewer.
        environment["DATABASE_MAX_CONNECTIONS"] = "8"
        // A service that takes webhooks from outside (payments, fulfilment) listens on `<service>-webhooks`.
        environment["WEBHOOK_PORT"] = ports["\(service)-webhooks"].map(String.init)
        environment["SEPAY_API_KEY"] = Self.sepayAPIKey
        environment["CARD_WEBHOOK_SECRET"] = Self.cardWebhookSecret
        environment["CARD_SECRET_KEY"] = Self.cardSecretKey
        environment["CREDENTIALS_KEY"] = Self.credentialsKey
        environment["CARD_API_BASE_URL"] = "http://127.0.0.1:\(cardProviderPort)"
        environment["JWT_KEYS"] = Self.jwtKeys
        // The tests' services run for local development (development database passwords, the
        // local bootstrap admin); DeploymentTests start them without it.
        environment["LOCAL_DEVELOPMENT"] = "true"
        environment["DOWNLOAD_LINK_SECRET"] = Self.downloadLinkSecret
        environment["DOWNLOAD_LINK_BASE_URL"] = "http://127.0.0.1:\(ports["gateway"]!)/api/fulfillment/downloads"
        environment["UNSUBSCRIBE_URL"] = "http://127.0.0.1:\(ports["gateway"]!)/api/fulfillment/email-preferences/unsubscribe"
        environment["BCRYPT_COST"] = "6"
        // Tests stop services often; a deploy's drain is shown where it matters (FaultHarness).
        environment["DRAIN_MS"] = "0"
        for upstream in Self.services where upstream != "gateway" {
            environment["\(upstream.uppercased())_URL"] = baseURL(upstream)
        }
        return environment
    }

    /// The port replica `replica` of `service` listens on: the service's own for the first,
    /// then 1,000 above it for each further one (several gateways behind a load balancer).
    public func port(of service: String, replica: Int = 0) -> Int { ports[service]! + 1_000 * replica }

    /// Starts one service (or a further replica of it) in its own schema; `overrides` replace
    /// or add environment variables. A further replica writes a log of its own (`gateway#1.log`).
    public func start(_ service: String, replica: Int = 0, overrides: [String: String] = [:]) async throws {
        if !schemas.contains(service) {
            try await TestSchema.runAsAdmin(["CREATE SCHEMA IF NOT EXISTS \(schema(of: service)) AUTHORIZATION \(service)"])
            schemas.insert(service)
        }
        let process = Process()
        process.executableURL = Self.binDirectory.appendingPathComponent(service)
        var environment = environment(for: service)
        environment["SERVICE_PORT"] = "\(port(of: service, replica: replica))"
        process.environment = environment.merging(overrides) { _, new in new }
        // Each start begins its log afresh (tests read what the running process wrote); the
        // previous process's log stays beside it as `<service>.previous.log`, for how it ended.
        let log = logDirectory.appendingPathComponent("\(Self.key(service, replica)).log")
        let previous = logDirectory.appendingPathComponent("\(Self.key(service, replica)).previous.log")
        try? FileManager.default.removeItem(at: previous)
        try? FileManager.default.moveItem(at: log, to: previous)
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        processes[Self.key(service, replica)] = process
    }

    /// Stops one service (replica) with SIGTERM, as a deploy does, and waits for it to exit
    /// (its schema stays, so it can be started again on it).
    public func stop(_ service: String, replica: Int = 0, timeout: Duration = .seconds(15)) async {
        let key = Self.key(service, replica)
        guard let process = processes.removeValue(forKey: key) else { return }
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            crashesWhileStopping.append("\(key): still running \(timeout) after SIGTERM, killed")
        } else if process.terminationReason == .uncaughtSignal && process.terminationStatus != SIGTERM {
            crashesWhileStopping.append("\(key): signal \(process.terminationStatus) while stopping")
        }
    }

    /// The processes that crashed or hung while ``stop(_:replica:timeout:)`` stopped them since
    /// the last call (their logs: `<service>.previous.log` once started again).
    public func crashedWhileStopping() -> [String] {
        defer { crashesWhileStopping = [] }
        return crashesWhileStopping
    }

    /// Sends SIGTERM to one service (replica) and returns at once; ``isRunning(_:replica:)`` tells when it has gone.
    public func terminate(_ service: String, replica: Int = 0) {
        processes[Self.key(service, replica)]?.terminate()
    }

    /// Kills one service (replica) with SIGKILL, as a crash does: no draining, no goodbye.
    public func kill(_ service: String, replica: Int = 0) async {
        guard let process = processes.removeValue(forKey: Self.key(service, replica)) else { return }
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    }

    /// How each started process that is no longer running ended (`exit 1`, `signal 13`), by
    /// service (`gateway#1` for a replica): a part that died on its own during a fault.
    public func ended() -> [String: String] {
        processes.filter { !$0.value.isRunning }.mapValues { process in
            process.terminationReason == .uncaughtSignal ? "signal \(process.terminationStatus)" : "exit \(process.terminationStatus)"
        }
    }

    private static func key(_ service: String, _ replica: Int) -> String { replica == 0 ? service : "\(service)#\(replica)" }

    public func startAll() async throws {
        for service in Self.services { try await start(service) }
    }

    public func log(of service: String) -> String {
        (try? String(contentsOf: logDirectory.appendingPathComponent("\(service).log"), encoding: .utf8)) ?? ""
    }

    public func isRunning(_ service: String, replica: Int = 0) -> Bool { processes[Self.key(service, replica)]?.isRunning ?? false }

    /// Sends SIGTERM and waits; returns each service's exit status (nil if it had to be killed).
    @discardableResult
    public func stopAll(timeout: Duration = .seconds(15)) async -> [String: Int32?] {
        for process in processes.values where process.isRunning { process.terminate() }
        var statuses: [String: Int32?] = [:]
        let deadline = ContinuousClock.now + timeout
        for (service, process) in processes {
            while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
            if process.isRunning {
                Glibc.kill(process.processIdentifier, SIGKILL)
                statuses[service] = .some(nil)
            } else {
                statuses[service] = process.terminationStatus
            }
        }
        processes = [:]
        let dropped = schemas.map { "DROP SCHEMA IF EXISTS \(schema(of: $0)) CASCADE" }
        schemas = []
        if ProcessInfo.processInfo.environment["COMMERCE_TEST_KEEP_SCHEMAS"] == nil {
            try? await TestSchema.runAsAdmin(dropped)
        }
        return statuses
    }
}
