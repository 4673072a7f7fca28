import Kafka
import Logging

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
}
