/// One configuration variable a service reads from its environment, with the local default
/// that makes `swift run <service>` work on a developer machine, and the text `--help` shows.
public struct EnvironmentVariable: Sendable, Hashable {
    public let name: String
    public let defaultValue: String
    public let help: String
    /// Secrets are never printed (not in `--help` defaults, not in logs).
    public let isSecret: Bool

    public init(_ name: String, default defaultValue: String, help: String, isSecret: Bool = false) {
        self.name = name
        self.defaultValue = defaultValue
        self.help = help
        self.isSecret = isSecret
    }
}
