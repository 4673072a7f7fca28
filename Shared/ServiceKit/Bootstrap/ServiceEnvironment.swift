import Foundation
import Kafka
import Logging
import Messaging
import Persistence

/// The running parts a service's routes and handlers use.
public struct ServiceEnvironment: Sendable {
    public let configuration: ServiceConfiguration
    public let database: Database
    public let outbox: Outbox
    public let producer: KafkaProducer
    public let logger: Logger
    /// Open once migrations are applied and topics exist.
    public let startGate: StartupGate

    /// A service-specific configuration value (declared in ``ServiceDefinition/variables``).
    public func value(_ name: String) -> String {
        guard let value = configuration.values[name] else { preconditionFailure("\(name) is not a declared variable") }
        return value
    }

    /// A service-specific whole-number value within `range`; anything else stops the start
    /// with a configuration error naming the variable.
    public func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int {
        try ServiceConfiguration.integer(name, value(name), in: range)
    }

    /// A service-specific `true` or `false`; anything else stops the start naming the variable.
    public func boolean(_ name: String) throws -> Bool {
        guard let flag = Bool(value(name)) else { throw ConfigurationError(variable: name, reason: "expected true or false, got '\(value(name))'") }
        return flag
    }

    /// A service-specific http(s) URL, without a trailing slash (paths are appended to it);
    /// nil when empty and `optional`. Anything else stops the start naming the variable.
    public func httpURL(_ name: String, optional: Bool = false) throws -> String? {
        let text = value(name)
        if text.isEmpty && optional { return nil }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false else {
            throw ConfigurationError(variable: name, reason: "expected an http or https URL, got '\(text)'")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    /// ``httpURL(_:optional:)`` for a URL that must be set.
    public func httpURL(_ name: String) throws -> String {
        guard let url = try httpURL(name, optional: false) else { throw ConfigurationError(variable: name, reason: "must be set") }
        return url
    }
}
