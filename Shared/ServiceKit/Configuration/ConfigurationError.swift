/// A configuration value that cannot be used; the message names the variable.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let variable: String
    public let reason: String
    private let message: String?

    public init(variable: String, reason: String) {
        self.variable = variable
        self.reason = reason
        self.message = nil
    }

    /// Required secrets that are not set, each named with how to make a value.
    public init(missing: [EnvironmentVariable], service: String) {
        self.variable = missing.map(\.name).joined(separator: ", ")
        let lines = missing.map { variable in
            "  \(variable.name) (or \(variable.fileVariable)): \(variable.recipe?.instructions(service: service, variable: variable.name) ?? "set it")"
        }
        self.reason = "not set, and this service does not start without it outside local development"
        self.message = "\(self.variable) \(missing.count == 1 ? "is" : "are") not set, and \(service) does not start without "
            + "\(missing.count == 1 ? "it" : "them") outside local development:\n"
            + lines.joined(separator: "\n")
            + "\nGive each from your secret store (see docs/operations.md); on a developer machine, LOCAL_DEVELOPMENT=true uses development values instead."
    }

    public var description: String { message ?? "\(variable): \(reason)" }
}
