import CRdKafka
import Logging
import Synchronization

/// State that librdkafka's C callbacks reach through the client's opaque pointer: the
/// logger, the producer's pending deliveries and the consumer's current assignment.
///
/// C callbacks cannot capture context; each one recovers this object with
/// `rd_kafka_opaque(rk)`. The client keeps it alive until after `rd_kafka_destroy`.
final class RDKafkaCallbacks: Sendable {
    let logger: Logger
    let deliveries = Mutex(DeliveryTable())
    let assignment = Mutex<[String: Set<Int32>]>([:])

    init(logger: Logger) { self.logger = logger }

    var opaquePointer: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    static func from(_ rk: OpaquePointer?) -> RDKafkaCallbacks? {
        guard let rk, let opaque = rd_kafka_opaque(rk) else { return nil }
        return Unmanaged<RDKafkaCallbacks>.fromOpaque(opaque).takeUnretainedValue()
    }

    /// Installs the callbacks common to every client: librdkafka's logs into swift-log
    /// and client-level errors (broker down, authentication) as warnings.
    func install(on conf: OpaquePointer) {
        rd_kafka_conf_set_opaque(conf, opaquePointer)
        rd_kafka_conf_set_log_cb(conf) { rk, level, facility, message in
            guard let callbacks = RDKafkaCallbacks.from(rk) else { return }
            let text = message.map { String(cString: $0) } ?? ""
            let facilityText = facility.map { String(cString: $0) } ?? ""
            let swiftLevel: Logger.Level = switch level {
            case ...3: .error
            case 4: .warning
            case 5, 6: .debug
            default: .trace
            }
            callbacks.logger.log(level: swiftLevel, "\(text)", metadata: ["kafka.facility": "\(facilityText)"])
        }
        rd_kafka_conf_set_error_cb(conf) { rk, err, reason, _ in
            guard let callbacks = RDKafkaCallbacks.from(rk) else { return }
            let text = reason.map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(rd_kafka_resp_err_t(err)))
            callbacks.logger.warning("kafka client error", metadata: ["kafka.error": "\(text)", "kafka.code": "\(err)"])
        }
    }
}

/// Who waits for one record's delivery report: a single ``KafkaProducer/send`` or one slot
/// of a ``KafkaProducer/sendBatch(_:)``.
enum DeliveryWaiter: Sendable {
    case single(CheckedContinuation<DeliveryReport, any Error>)
    case batch(BatchDelivery, index: Int)

    func complete(_ result: Result<DeliveryReport, KafkaError>) {
        switch self {
        case .single(let continuation): continuation.resume(with: result.mapError { $0 as any Error })
        case .batch(let batch, let index): batch.complete(index, result)
        }
    }
}

/// Collects the delivery reports of a batch and resumes its waiter once all have arrived.
final class BatchDelivery: Sendable {
    private struct State: Sendable {
        var results: [Result<DeliveryReport, KafkaError>?]
        var remaining: Int
        var waiter: CheckedContinuation<[Result<DeliveryReport, KafkaError>], Never>?
    }
    private let state: LockedState<State>

    init(count: Int) { state = LockedState(State(results: Array(repeating: nil, count: count), remaining: count)) }

    func complete(_ index: Int, _ result: Result<DeliveryReport, KafkaError>) {
        let finished = state.withLock { state -> (CheckedContinuation<[Result<DeliveryReport, KafkaError>], Never>, [Result<DeliveryReport, KafkaError>])? in
            state.results[index] = result
            state.remaining -= 1
            guard state.remaining == 0, let waiter = state.waiter else { return nil }
            state.waiter = nil
            return (waiter, state.results.map { $0! })
        }
        if let (waiter, results) = finished { waiter.resume(returning: results) }
    }

    func wait() async -> [Result<DeliveryReport, KafkaError>] {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> [Result<DeliveryReport, KafkaError>]? in
                if state.remaining == 0 { return state.results.map { $0! } }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

/// Waiters of records handed to librdkafka and not yet acknowledged, keyed by the integer
/// id passed as each message's opaque.
struct DeliveryTable: ~Copyable {
    private var nextID: UInt = 1
    private var pending: [UInt: DeliveryWaiter] = [:]
    var isClosed = false

    mutating func register(_ waiter: DeliveryWaiter) -> UInt? {
        guard !isClosed else { return nil }
        let id = nextID
        nextID &+= 1
        if nextID == 0 { nextID = 1 }
        pending[id] = waiter
        return id
    }

    mutating func take(_ id: UInt) -> DeliveryWaiter? {
        pending.removeValue(forKey: id)
    }

    mutating func takeAll() -> [DeliveryWaiter] {
        defer { pending.removeAll() }
        return Array(pending.values)
    }

    var count: Int { pending.count }
}
