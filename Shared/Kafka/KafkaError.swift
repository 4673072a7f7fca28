import CRdKafka

/// An error reported by librdkafka (or by this wrapper around it), with librdkafka's own
/// message and where in our code it surfaced.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// librdkafka's `rd_kafka_resp_err_t` value (negative values are client-side errors).
    public let code: Int32
    /// librdkafka's explanation, or ours for wrapper-level errors.
    public let message: String
    /// A fatal error makes the client unusable; it must be recreated.
    public let isFatal: Bool
    /// The operation may succeed if retried.
    public let isRetriable: Bool
    public let file: String
    public let line: UInt

    init(code: rd_kafka_resp_err_t, message: String? = nil, isFatal: Bool = false, file: String = #fileID, line: UInt = #line) {
        self.code = code.rawValue
        self.message = message ?? String(cString: rd_kafka_err2str(code))
        self.isFatal = isFatal
        self.isRetriable = KafkaError.retriableCodes.contains(code.rawValue)
        self.file = file
        self.line = line
    }

    init(error: OpaquePointer, file: String = #fileID, line: UInt = #line) {
        self.code = rd_kafka_error_code(error).rawValue
        self.message = String(cString: rd_kafka_error_string(error))
        self.isFatal = rd_kafka_error_is_fatal(error) != 0
        self.isRetriable = rd_kafka_error_is_retriable(error) != 0
        self.file = file
        self.line = line
        rd_kafka_error_destroy(error)
    }

    /// A configuration property librdkafka refused.
    static func configuration(_ message: String, file: String = #fileID, line: UInt = #line) -> KafkaError {
        KafkaError(code: RD_KAFKA_RESP_ERR__INVALID_ARG, message: message, file: file, line: line)
    }

    /// The client was shut down before the operation completed.
    static func shutDown(file: String = #fileID, line: UInt = #line) -> KafkaError {
        KafkaError(code: RD_KAFKA_RESP_ERR__DESTROY, message: "the Kafka client is shut down", file: file, line: line)
    }

    /// True when the error is librdkafka's local queue being full (back off and retry).
    var isQueueFull: Bool { code == RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue }

    /// True when a group coordinator refused a commit from outside the group because the group
    /// still has (or is settling) members: unknown member, illegal generation, a rebalance, or
    /// the coordinator still loading or moving.
    var groupHasMembers: Bool {
        [RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID, RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS,
         RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_COORDINATOR]
            .map(\.rawValue).contains(code)
    }

    public var description: String { "KafkaError(\(code)): \(message) [\(file):\(line)]" }

    private static let retriableCodes: Set<Int32> = [
        RD_KAFKA_RESP_ERR__TRANSPORT.rawValue, RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue,
        RD_KAFKA_RESP_ERR__MSG_TIMED_OUT.rawValue, RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue,
        RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT.rawValue, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION.rawValue,
        RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE.rawValue, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS.rawValue,
        RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS.rawValue, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE.rawValue,
        RD_KAFKA_RESP_ERR_NOT_COORDINATOR.rawValue, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS.rawValue,
        RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue,
    ]
}
