import CRdKafka

/// Builds an `rd_kafka_conf_t` from our properties, reporting librdkafka's own message for
/// a property it refuses.
enum RDKafkaConfig {
    static func make(_ configuration: KafkaConfiguration) throws -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else { throw KafkaError.configuration("rd_kafka_conf_new failed") }
        var errstr = [CChar](repeating: 0, count: 512)
        for (key, value) in configuration.properties.sorted(by: { $0.key < $1.key }) {
            let result = rd_kafka_conf_set(conf, key, value, &errstr, errstr.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError.configuration("\(key): \(String(cString: errstr))")
            }
        }
        return conf
    }
}
