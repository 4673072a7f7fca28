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
        let configuration = self.configuration
        let logger = self.logger
        let milliseconds = Int32(timeout.components.seconds * 1000)
        try await BlockingCall.run {
            let callbacks = RDKafkaCallbacks(logger: logger)
            let conf = try RDKafkaConfig.make(configuration)
            callbacks.install(on: conf)
            let handle = try RDKafkaHandle(type: RD_KAFKA_PRODUCER, conf: conf, callbacks: callbacks)
            defer { handle.destroy() }
            try Self.createTopics(topics, handle: handle, timeoutMilliseconds: milliseconds)
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
        guard let queue = rd_kafka_queue_new(handle.pointer) else { throw KafkaError.configuration("cannot create a queue") }
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(handle.pointer, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMilliseconds, &errstr, errstr.count)
        _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMilliseconds, &errstr, errstr.count)
        newTopics.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_CreateTopics(handle.pointer, buffer.baseAddress, buffer.count, options, queue)
        }
        guard let event = rd_kafka_queue_poll(queue, timeoutMilliseconds + 1000) else {
            throw KafkaError(code: RD_KAFKA_RESP_ERR__TIMED_OUT, message: "CreateTopics timed out")
        }
        defer { rd_kafka_event_destroy(event) }
        let eventError = rd_kafka_event_error(event)
        if eventError != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(code: eventError, message: rd_kafka_event_error_string(event).map { String(cString: $0) })
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else {
            throw KafkaError.configuration("unexpected admin result")
        }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
        for index in 0..<count {
            let topicResult = results[index]
            let err = rd_kafka_topic_result_error(topicResult)
            if err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS { continue }
            let name = String(cString: rd_kafka_topic_result_name(topicResult))
            let message = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) }
            throw KafkaError(code: err, message: "topic \(name): \(message ?? String(cString: rd_kafka_err2str(err)))")
        }
    }
}
