import CRdKafka

/// Owns one `rd_kafka_t` and the callback state it points to.
final class RDKafkaHandle: @unchecked Sendable {
    // `rd_kafka_t` is thread-safe; the pointer is immutable for the handle's lifetime and
    // destroyed exactly once by `destroy()`, after every user stopped using it.
    let pointer: OpaquePointer
    let callbacks: RDKafkaCallbacks

    init(type: rd_kafka_type_t, conf: OpaquePointer, callbacks: RDKafkaCallbacks) throws {
        var errstr = [CChar](repeating: 0, count: 512)
        // On success rd_kafka_new takes ownership of conf; on failure it stays ours.
        guard let pointer = rd_kafka_new(type, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError.configuration(String(cString: errstr))
        }
        self.pointer = pointer
        self.callbacks = callbacks
    }

    /// Asks a broker for cluster metadata: the broker is reachable and answering.
    func brokerReachable(timeoutMilliseconds: Int32) -> Bool {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(pointer, 0, nil, &metadata, timeoutMilliseconds)
        if let metadata { rd_kafka_metadata_destroy(metadata) }
        return err == RD_KAFKA_RESP_ERR_NO_ERROR
    }

    func destroy() {
        rd_kafka_destroy(pointer)
    }
}
