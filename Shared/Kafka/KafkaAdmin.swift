import CRdKafka
import Logging

/// Topic administration through librdkafka's Admin API.
public struct KafkaAdmin: Sendable {
    /// A topic to create.
    public struct TopicSpec: Sendable, Hashable {
        public var name: String
        public var partitions: Int32
        public var replicationFactor: Int32

        public init(name: String, partitions: Int32 = 3, replicationFactor: Int32 = 1) {
            self.name = name
            self.partitions = partitions
            self.replicationFactor = replicationFactor
        }
    }

    private let configuration: KafkaConfiguration
    private let logger: Logger

    public init(configuration: KafkaConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Creates the topics that do not exist yet. A topic that already exists is not an error,
    /// so every service can ensure its topics at start-up.
    public func ensureTopics(_ topics: [TopicSpec], timeout: Duration = .seconds(15)) async throws {
        guard !topics.isEmpty else { return }
        try await withClient(timeout: timeout) { handle, milliseconds in
            try Self.createTopics(topics, handle: handle, timeoutMilliseconds: milliseconds)
        }
    }

    /// Deletes the named topics with everything they hold. A topic that does not exist is not
    /// an error. Operators and tests use it; no service deletes a topic.
    public func deleteTopics(_ names: [String], timeout: Duration = .seconds(15)) async throws {
        guard !names.isEmpty else { return }
        try await withClient(timeout: timeout) { handle, milliseconds in
            try Self.deleteTopics(names, handle: handle, timeoutMilliseconds: milliseconds)
        }
    }

    /// Runs `body` with a short-lived client of its own, off Swift's executor.
    private func withClient(timeout: Duration, _ body: @escaping @Sendable (RDKafkaHandle, Int32) throws -> Void) async throws {
        let configuration = self.configuration
        let logger = self.logger
        let milliseconds = Int32(timeout.components.seconds * 1000)
        try await BlockingCall.run {
            let callbacks = RDKafkaCallbacks(logger: logger)
            let conf = try RDKafkaConfig.make(configuration)
            callbacks.install(on: conf)
            let handle = try RDKafkaHandle(type: RD_KAFKA_PRODUCER, conf: conf, callbacks: callbacks)
            defer { handle.destroy() }
            try body(handle, milliseconds)
        }
    }

    private static func createTopics(_ topics: [TopicSpec], handle: RDKafkaHandle, timeoutMilliseconds: Int32) throws {
        var errstr = [CChar](repeating: 0, count: 512)
        var newTopics: [OpaquePointer?] = []
        defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
        for spec in topics {
            guard let topic = rd_kafka_NewTopic_new(spec.name, spec.partitions, spec.replicationFactor, &errstr, errstr.count) else {
                throw KafkaError.configuration("topic \(spec.name): \(String(cString: errstr))")
            }
            newTopics.append(topic)
        }
        try request(RD_KAFKA_ADMIN_OP_CREATETOPICS, named: "CreateTopics", handle: handle, timeoutMilliseconds: timeoutMilliseconds,
                    send: { options, queue in
                        newTopics.withUnsafeMutableBufferPointer { buffer in
                            rd_kafka_CreateTopics(handle.pointer, buffer.baseAddress, buffer.count, options, queue)
                        }
                    },
                    results: { event, count in
                        rd_kafka_event_CreateTopics_result(event).flatMap { rd_kafka_CreateTopics_result_topics($0, &count) }
                    },
                    accepting: RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
    }

    private static func deleteTopics(_ names: [String], handle: RDKafkaHandle, timeoutMilliseconds: Int32) throws {
        var deletions: [OpaquePointer?] = names.map { rd_kafka_DeleteTopic_new($0) }
        defer { for deletion in deletions { rd_kafka_DeleteTopic_destroy(deletion) } }
        try request(RD_KAFKA_ADMIN_OP_DELETETOPICS, named: "DeleteTopics", handle: handle, timeoutMilliseconds: timeoutMilliseconds,
                    send: { options, queue in
                        deletions.withUnsafeMutableBufferPointer { buffer in
                            rd_kafka_DeleteTopics(handle.pointer, buffer.baseAddress, buffer.count, options, queue)
                        }
                    },
                    results: { event, count in
                        rd_kafka_event_DeleteTopics_result(event).flatMap { rd_kafka_DeleteTopics_result_topics($0, &count) }
                    },
                    accepting: RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
    }

    /// One admin request: sends it with `send`, waits for its result event and throws the
    /// first per-topic error other than `accepting`.
    private static func request(
        _ operation: rd_kafka_admin_op_t, named name: String, handle: RDKafkaHandle, timeoutMilliseconds: Int32,
        send: (OpaquePointer?, OpaquePointer) -> Void,
        results: (OpaquePointer, inout Int) -> UnsafeMutablePointer<OpaquePointer?>?,
        accepting accepted: rd_kafka_resp_err_t
    ) throws {
        var errstr = [CChar](repeating: 0, count: 512)
        guard let queue = rd_kafka_queue_new(handle.pointer) else { throw KafkaError.configuration("cannot create a queue") }
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(handle.pointer, operation)
        defer { rd_kafka_AdminOptions_destroy(options) }
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMilliseconds, &errstr, errstr.count)
        _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMilliseconds, &errstr, errstr.count)
        send(options, queue)
        guard let event = rd_kafka_queue_poll(queue, timeoutMilliseconds + 1000) else {
            throw KafkaError(code: RD_KAFKA_RESP_ERR__TIMED_OUT, message: "\(name) timed out")
        }
        defer { rd_kafka_event_destroy(event) }
        let eventError = rd_kafka_event_error(event)
        if eventError != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(code: eventError, message: rd_kafka_event_error_string(event).map { String(cString: $0) })
        }
        var count = 0
        guard let topicResults = results(event, &count) else { return }
        for index in 0..<count {
            let topicResult = topicResults[index]
            let err = rd_kafka_topic_result_error(topicResult)
            if err == RD_KAFKA_RESP_ERR_NO_ERROR || err == accepted { continue }
            let topic = String(cString: rd_kafka_topic_result_name(topicResult))
            let message = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) }
            throw KafkaError(code: err, message: "topic \(topic): \(message ?? String(cString: rd_kafka_err2str(err)))")
        }
    }
}
