import Foundation
import ServiceLifecycle
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Persistence

/// The entry point of every service executable: answers `--help` and `--version`, reads
/// the configuration, bootstraps logging and metrics, and runs until SIGTERM or SIGINT.
public enum ServiceMain {
    public static let version = "0.1.0"

    /// Runs on the main actor, so that what must happen on the main thread before anything
    /// else (installing the event loops as the tasks' executor) does; everything it awaits
    /// runs elsewhere.
    @MainActor
    public static func run(_ definition: ServiceDefinition, arguments: [String] = CommandLine.arguments) async -> Never {
        let flags = Array(arguments.dropFirst())
        if flags.contains("--help") || flags.contains("-h") {
            print(help(for: definition))
            exit(0)
        }
        if flags.contains("--version") {
            print("\(definition.name) \(version)")
            exit(0)
        }
        if flags.count == 2, flags[0] == "--new-secret" {
            // A fresh value for one of this service's secrets, for the operator's secret store.
            let variable = ServiceConfiguration.variables(for: definition).first { $0.name == flags[1] && $0.isSecret }
            guard let variable, let value = variable.recipe?.generate() else {
                let makeable = ServiceConfiguration.variables(for: definition).filter { $0.recipe?.generate() != nil }.map(\.name)
                FileHandle.standardError.write(Data("\(definition.name): --new-secret makes one of: \(makeable.joined(separator: ", "))\n".utf8))
                exit(64)
            }
            print(value)
            exit(0)
        }
        if flags == ["--routes"] {
            // Every registered route, one `METHOD /path access` per line: what the contract test
            // compares with the OpenAPI document. Builds the application without starting anything, so
            // it needs no secrets: development values stand in.
            do {
                var environment = ProcessInfo.processInfo.environment
                environment["LOCAL_DEVELOPMENT"] = "true"
                let configuration = try ServiceConfiguration(definition: definition, environment: environment)
                let built = try ServiceApplication.build(definition, configuration: configuration)
                print(built.parts.routes.joined(separator: "\n"))
                fflush(nil)
                // Exits with the application still alive: nothing was started, so nothing to stop.
                withExtendedLifetime(built) { exit(0) }
            } catch {
                FileHandle.standardError.write(Data("\(definition.name): \(error)\n".utf8))
                stopAtOnce(1)
            }
        }
        if let unknown = flags.first {
            FileHandle.standardError.write(Data("\(definition.name): unknown argument '\(unknown)'. Configuration comes from environment variables; see --help.\n".utf8))
            exit(64)
        }
        do {
            let configuration = try ServiceConfiguration(definition: definition)
            if configuration.tasksOnEventLoops {
                // Before anything starts a task: from here on every task runs on the event
                // loops, and a task resumed on a loop's thread stays there.
                NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
            }
            LoggingBootstrap.bootstrap(level: configuration.logLevel, format: configuration.logFormat)
            if configuration.localDevelopment { announceLocalDevelopment(configuration) }
            let (application, parts) = try ServiceApplication.build(definition, configuration: configuration)
            if configuration.stopsWithParent { stopWhenOrphaned() }
            // The drain stops first: the application's server only stops taking connections
            // once the service has said for a while that it is going.
            let group = ServiceGroup(configuration: .init(services: [application, parts.drain], gracefulShutdownSignals: [.sigterm, .sigint],
                                                          logger: application.logger))
            try await group.run()
            exit(0)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("\(definition.name): configuration error: \(error)\n".utf8))
            stopAtOnce(78)
        } catch {
            FileHandle.standardError.write(Data("\(definition.name): \(error)\n".utf8))
            stopAtOnce(1)
        }
    }

    /// Watches, on a thread of its own, for the process that started this one to go (the
    /// parent changes when it dies), then asks this process to stop as SIGTERM does.
    private static func stopWhenOrphaned() {
        let parent = getppid()
        Thread.detachNewThread {
            while getppid() == parent { Thread.sleep(forTimeInterval: 1) }
            kill(getpid(), SIGTERM)
        }
    }

    /// What `/health/ready` and the log say of a service in local development.
    public static let localDevelopmentWarning =
        "LOCAL DEVELOPMENT MODE (LOCAL_DEVELOPMENT=true): secrets may have development values; never run like this where anyone else can reach the service"

    /// Ends the process with `status` after a start that failed or a run that ended in an
    /// error: flushes what was written and leaves without running exit handlers. Parts built
    /// before the failure (the Kafka producer's polling thread inside librdkafka) may still be
    /// running, and librdkafka's static teardown under a live thread crashed the process now
    /// and then (SIGSEGV instead of the status meant).
    private static func stopAtOnce(_ status: Int32) -> Never {
        fflush(nil)
        _exit(status)
    }

    private static func announceLocalDevelopment(_ configuration: ServiceConfiguration) {
        var logger = Logger(label: configuration.serviceName)
        logger[metadataKey: "service"] = "\(configuration.serviceName)"
        let banner = String(repeating: "!", count: 100)
        FileHandle.standardError.write(Data("\(banner)\n!! \(localDevelopmentWarning)\n\(banner)\n".utf8))
        logger.warning("\(localDevelopmentWarning)", metadata: [
            "secrets.generated_for_this_run": "\(configuration.generatedSecrets.joined(separator: ","))",
        ])
    }

    /// The `--help` text: what the service is and every variable it reads, with defaults
    /// (secrets' defaults are not shown).
    public static func help(for definition: ServiceDefinition) -> String {
        var lines = [
            "\(definition.name) \(version): \(definition.summary)",
            "",
            "USAGE: \(definition.name) [--help] [--version] [--routes] [--new-secret NAME]",
            "",
            "Configuration is read from environment variables:",
        ]
        let variables = ServiceConfiguration.variables(for: definition)
        let width = (variables.map(\.name.count).max() ?? 0) + 2
        for variable in variables {
            let shown: String
            if variable.isSecret {
                shown = "secret, or from the file \(variable.fileVariable) names; "
                    + (variable.isRequired ? "required outside local development" : "optional")
            } else {
                shown = "default: \(variable.defaultValue.isEmpty ? "\"\"" : variable.defaultValue)"
            }
            lines.append("  " + variable.name.padding(toLength: width, withPad: " ", startingAt: 0) + variable.help + " [\(shown)]")
        }
        lines += [
            "",
            "HTTP: /health/live, /health/ready, /metrics, /openapi.json, /probes on \(definition.defaultPort) by default.",
            "--routes prints every registered route and exits.",
            "Publishes to \(definition.publishes); consumes \(definition.consumes.isEmpty ? "nothing" : definition.consumes.joined(separator: ", ")).",
        ]
        return lines.joined(separator: "\n")
    }
}
