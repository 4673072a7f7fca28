import Synchronization
import CRdKafka

/// Owns one `rd_kafka_t` and the callback state it points to.
final class RDKafkaHandle: @unchecked Sendable {
    // `rd_kafka_t` is thread-safe; the pointer is immutable for the handle's lifetime and
    // destroyed exactly once by `destroy()`, after every user stopped using it.
    let pointer: OpaquePointer
    let callbacks: RDKafkaCallbacks
    private let destroyed = Mutex(false)

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

    /// The partition ids of `topic` from the broker's metadata; none if the topic does not exist.
    func partitions(of topic: String, timeoutMilliseconds: Int32) throws -> [Int32] {
        guard let topicHandle = rd_kafka_topic_new(pointer, topic, nil) else { throw KafkaError.configuration("cannot open topic \(topic)") }
        defer { rd_kafka_topic_destroy(topicHandle) }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(pointer, 0, topicHandle, &metadata, timeoutMilliseconds)
        defer { if let metadata { rd_kafka_metadata_destroy(metadata) } }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(code: err) }
        guard let metadata, metadata.pointee.topic_cnt > 0 else { return [] }
        let described = metadata.pointee.topics[0]
        if described.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART { return [] }
        if described.err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(code: described.err) }
        return (0..<Int(described.partition_cnt)).map { described.partitions[$0].id }
    }

    /// Destroys the client once; later calls do nothing.
    func destroy() {
        guard claimDestruction() else { return }
        rd_kafka_destroy(pointer)
    }

    /// A client dropped without ``destroy()`` (a producer whose service failed to start) is
    /// destroyed here, while ``callbacks`` is still alive: librdkafka's own threads call them
    /// (its log callback, say, about a broker it cannot reach) until `rd_kafka_destroy`
    /// returns, and reaching a freed callbacks object crashed such a process (SIGSEGV instead
    /// of its exit status).
    /// A consumer is not closed here (that would leave its group and could wait long on a
    /// coordinator it cannot reach, on whatever thread let go of it).
    deinit {
        guard claimDestruction() else { return }
        rd_kafka_destroy_flags(pointer, Int32(RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE))
    }

    /// True for the one caller that may destroy the client.
    private func claimDestruction() -> Bool {
        destroyed.withLock { done in
            defer { done = true }
            return !done
        }
    }
}
