/// A configuration value that cannot be used; the message names the variable.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let variable: String
    public let reason: String
    /// The whole message, when the variable and reason alone do not say it.
    package let message: String?

    public init(variable: String, reason: String) {
        self.init(variable: variable, reason: reason, message: nil)
    }

    package init(variable: String, reason: String, message: String?) {
        self.variable = variable
        self.reason = reason
        self.message = message
    }

    public var description: String { message ?? "\(variable): \(reason)" }
}
