import Persistence

extension ConfigurationError {
    /// Required secrets that are not set, each named with how to make a value.
    public init(missing: [EnvironmentVariable], service: String) {
        let variable = missing.map(\.name).joined(separator: ", ")
        let lines = missing.map { variable in
            "  \(variable.name) (or \(variable.fileVariable)): \(variable.recipe?.instructions(service: service, variable: variable.name) ?? "set it")"
        }
        let message = "\(variable) \(missing.count == 1 ? "is" : "are") not set, and \(service) does not start without "
            + "\(missing.count == 1 ? "it" : "them") outside local development:\n"
            + lines.joined(separator: "\n")
            + "\nGive each from your secret store (see docs/operations.md); on a developer machine, LOCAL_DEVELOPMENT=true uses development values instead."
        self.init(variable: variable, reason: "not set, and this service does not start without it outside local development", message: message)
    }
}
