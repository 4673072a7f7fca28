import Foundation
import Hummingbird
import Logging

/// The entry point of every service executable: answers `--help` and `--version`, reads
/// the configuration, bootstraps logging and metrics, and runs until SIGTERM or SIGINT.
public enum ServiceMain {
    public static let version = "0.1.0"

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
        if flags == ["--routes"] {
            // Every registered route, one `METHOD /path` per line: what the contract test compares
            // with the OpenAPI document. Builds the application without starting anything.
            do {
                let configuration = try ServiceConfiguration(definition: definition)
                let built = try ServiceApplication.build(definition, configuration: configuration)
                print(built.parts.routes.joined(separator: "\n"))
                fflush(nil)
                // Exits with the application still alive: nothing was started, so nothing to stop.
                withExtendedLifetime(built) { exit(0) }
            } catch {
                FileHandle.standardError.write(Data("\(definition.name): \(error)\n".utf8))
                exit(1)
            }
        }
        if let unknown = flags.first {
            FileHandle.standardError.write(Data("\(definition.name): unknown argument '\(unknown)'. Configuration comes from environment variables; see --help.\n".utf8))
            exit(64)
        }
        do {
            let configuration = try ServiceConfiguration(definition: definition)
            LoggingBootstrap.bootstrap(level: configuration.logLevel, format: configuration.logFormat)
            let (application, _) = try ServiceApplication.build(definition, configuration: configuration)
            try await application.runService()
            exit(0)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("\(definition.name): configuration error: \(error)\n".utf8))
            exit(78)
        } catch {
            FileHandle.standardError.write(Data("\(definition.name): \(error)\n".utf8))
            exit(1)
        }
    }

    /// The `--help` text: what the service is and every variable it reads, with defaults
    /// (secrets' defaults are not shown).
    public static func help(for definition: ServiceDefinition) -> String {
        var lines = [
            "\(definition.name) \(version): \(definition.summary)",
            "",
            "USAGE: \(definition.name) [--help] [--version] [--routes]",
            "",
            "Configuration is read from environment variables:",
        ]
        let variables = ServiceConfiguration.variables(for: definition)
        let width = (variables.map(\.name.count).max() ?? 0) + 2
        for variable in variables {
            let shown = variable.isSecret ? "(local default; secret)" : "default: \(variable.defaultValue.isEmpty ? "\"\"" : variable.defaultValue)"
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
