/// librdkafka configuration properties, with the settings this suite relies on spelled out.
///
/// Properties are librdkafka's own names (`bootstrap.servers`, `linger.ms`, …); see
/// librdkafka's CONFIGURATION.md. Values are validated when a client is created.
public struct KafkaConfiguration: Sendable {
    public var properties: [String: String]

    public init(bootstrapServers: String, properties: [String: String] = [:]) {
        self.properties = ["bootstrap.servers": bootstrapServers].merging(properties) { _, new in new }
    }

    public subscript(key: String) -> String? {
        get { properties[key] }
        set { properties[key] = newValue }
    }

    /// Producer settings: idempotent, every in-sync replica acknowledges, short linger so
    /// single sends stay fast while bursts still batch.
    public func producer() -> KafkaConfiguration {
        var copy = self
        copy.setDefault("enable.idempotence", "true")
        copy.setDefault("acks", "all")
        copy.setDefault("linger.ms", "2")
        copy.setDefault("message.timeout.ms", "30000")
        // A consumer's setting given to every client of a service; a producer would warn about it.
        copy.properties["fetch.wait.max.ms"] = nil
        return copy
    }

    /// Consumer settings for at-least-once processing: offsets are committed only after the
    /// handler succeeded, by an explicit ``KafkaConsumer/commit(_:)`` or, with
    /// `enable.auto.commit=true`, in the background from what ``KafkaConsumer/store(_:)`` stored
    /// (the offset store is never automatic).
    public func consumer(groupID: String) -> KafkaConfiguration {
        var copy = self
        copy["group.id"] = groupID
        copy.setDefault("enable.auto.commit", "false")
        copy["enable.auto.offset.store"] = "false"
        copy.setDefault("auto.offset.reset", "earliest")
        copy.setDefault("session.timeout.ms", "6000")
        copy.setDefault("heartbeat.interval.ms", "1000")
        copy.setDefault("enable.partition.eof", "false")
        copy.setDefault("topic.metadata.refresh.interval.ms", "5000")
        // The local broker (Tansu) answers as soon as it finds data, looking at halving
        // intervals (at once, W/2, 3W/4, …): 50 ms bounds a hop's added delay to about 25 ms
        // and keeps idle consumers' polling to a tenth of a core (35 % at 10 ms).
        copy.setDefault("fetch.wait.max.ms", "50")
        return copy
    }

    private mutating func setDefault(_ key: String, _ value: String) {
        if properties[key] == nil { properties[key] = value }
    }
}
