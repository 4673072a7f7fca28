import CRdKafka
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// An idempotent Kafka producer (`enable.idempotence=true`, `acks=all` unless overridden)
/// whose ``send(topic:key:value:headers:)`` returns only once the broker acknowledged the
/// record, or throws the delivery error.
///
/// librdkafka's delivery reports are served by a dedicated polling thread; each send parks a
/// continuation keyed by an integer id that travels as the message's opaque. Run the
/// producer in a `ServiceGroup` (or call ``shutdown(flushTimeout:)``): on shutdown it
/// flushes outstanding messages, fails whatever is still pending, then frees the client.
public final class KafkaProducer: Service, Sendable {
    private let handle: RDKafkaHandle
    private let reachability = ReachabilityProbe()
    private let logger: Logger
    private let state = LockedState(State.running)
    /// Set by the polling thread when it exits; holds the shutdown's waiter until then.
    private let poller = LockedState(PollerState.running(waiter: nil))

    private enum PollerState { case running(waiter: CheckedContinuation<Void, Never>?), stopped }

    private enum State { case running, stopping, closed }

    public init(configuration: KafkaConfiguration, logger: Logger) throws {
        self.logger = logger
        let callbacks = RDKafkaCallbacks(logger: logger)
        let conf = try RDKafkaConfig.make(configuration.producer())
        callbacks.install(on: conf)
        rd_kafka_conf_set_dr_msg_cb(conf) { rk, message, _ in
            guard let message, let callbacks = RDKafkaCallbacks.from(rk) else { return }
            let id = UInt(bitPattern: message.pointee._private)
            guard let waiter = callbacks.deliveries.withLock({ $0.take(id) }) else { return }
            if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                let topic = String(cString: rd_kafka_topic_name(message.pointee.rkt))
                waiter.complete(.success(DeliveryReport(
                    topic: topic, partition: message.pointee.partition, offset: message.pointee.offset)))
            } else {
                waiter.complete(.failure(KafkaError(code: message.pointee.err)))
            }
        }
        self.handle = try RDKafkaHandle(type: RD_KAFKA_PRODUCER, conf: conf, callbacks: callbacks)
        startPoller()
    }

    /// A producer dropped without ``shutdown(flushTimeout:)`` stops its polling thread, which
    /// destroys the librdkafka client as it ends, unflushed. Run it in a `ServiceGroup` or shut
    /// it down explicitly.
    deinit {
        state.withLock { if $0 == .running { $0 = .stopping } }
    }

    /// Sends one record and waits for the broker's acknowledgement.
    ///
    /// - Parameters:
    ///   - key: the partitioning key; records with one key keep their order.
    ///   - partition: an explicit partition, or `nil` for the key's partition.
    /// - Throws: ``KafkaError`` with librdkafka's message when the record cannot be delivered.
    @discardableResult
    public func send(
        topic: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader] = [], partition: Int32? = nil
    ) async throws -> DeliveryReport {
        while true {
            do {
                return try await produceOnce(topic: topic, key: key, value: value, headers: headers, partition: partition)
            } catch let error as KafkaError where error.isQueueFull {
                try await Task.sleep(for: .milliseconds(2))
            }
        }
    }

    /// Convenience for UTF-8 keys.
    @discardableResult
    public func send(topic: String, key: String?, value: [UInt8], headers: [KafkaHeader] = []) async throws -> DeliveryReport {
        try await send(topic: topic, key: key.map { Array($0.utf8) }, value: value, headers: headers)
    }

    private func produceOnce(
        topic: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader], partition: Int32?
    ) async throws -> DeliveryReport {
        try await withCheckedThrowingContinuation { continuation in
            if let error = enqueue(OutgoingMessage(topic: topic, key: key, value: value, headers: headers, partition: partition),
                                   waiter: .single(continuation)) {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Hands all messages to librdkafka in order, then waits for every delivery report.
    /// Records with one key reach their partition in the order given (the idempotent
    /// producer keeps order across retries), which a set of concurrent ``send`` calls
    /// cannot promise. Returns one result per message, in the same order.
    public func sendBatch(_ messages: [OutgoingMessage]) async -> [Result<DeliveryReport, KafkaError>] {
        let batch = BatchDelivery(count: messages.count)
        for (index, message) in messages.enumerated() {
            while true {
                guard let error = enqueue(message, waiter: .batch(batch, index: index)) else { break }
                if error.isQueueFull {
                    try? await Task.sleep(for: .milliseconds(2))
                    continue
                }
                batch.complete(index, .failure(error))
                break
            }
        }
        return await batch.wait()
    }

    /// Hands one record to librdkafka; returns the error if it was refused (then the
    /// waiter was not registered and will not be called).
    private func enqueue(_ message: OutgoingMessage, waiter: DeliveryWaiter) -> KafkaError? {
        guard let id = handle.callbacks.deliveries.withLock({ $0.register(waiter) }) else {
            return KafkaError.shutDown()
        }
        let rdHeaders = Self.makeHeaders(message.headers)
        let err = message.value.withUnsafeBytes { valueBytes in
            Self.withOptionalBytes(message.key) { keyPointer, keyLength in
                commerce_rd_kafka_produce(
                    handle.pointer, message.topic, message.partition ?? RD_KAFKA_PARTITION_UA,
                    keyPointer, keyLength, valueBytes.baseAddress, valueBytes.count,
                    rdHeaders, UnsafeMutableRawPointer(bitPattern: id))
            }
        }
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        if let rdHeaders { rd_kafka_headers_destroy(rdHeaders) }
        _ = handle.callbacks.deliveries.withLock { $0.take(id) }
        return KafkaError(code: err)
    }

    /// Waits until every handed-over record is acknowledged or failed; returns false on timeout.
    public func flush(timeout: Duration = .seconds(10)) async -> Bool {
        let handle = self.handle
        let milliseconds = Int32(timeout.wholeMilliseconds)
        return await BlockingCall.run { rd_kafka_flush(handle.pointer, milliseconds) == RD_KAFKA_RESP_ERR_NO_ERROR }
    }

    /// True when a broker answers a metadata request within the timeout.
    public func brokerReachable(timeout: Duration = .seconds(2)) async -> Bool {
        guard state.withLock({ $0 == .running }) else { return false }
        let handle = self.handle
        let milliseconds = Int32(timeout.components.seconds * 1000)
        return await reachability.reachable(handle, timeoutMilliseconds: max(milliseconds, 100))
    }

    /// Number of records handed to librdkafka and not yet acknowledged.
    public var inFlightCount: Int { handle.callbacks.deliveries.withLock { $0.count } }

    /// Runs until graceful shutdown, then flushes and closes.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Stops accepting sends, flushes with a timeout, fails whatever is still pending and
    /// frees librdkafka's client. Safe to call more than once.
    public func shutdown(flushTimeout: Duration = .seconds(10)) async {
        let proceed = state.withLock { state -> Bool in
            guard state == .running else { return false }
            state = .stopping
            return true
        }
        guard proceed else { return }
        _ = await flush(timeout: flushTimeout)
        handle.callbacks.deliveries.withLock { $0.isClosed = true }
        await waitForPoller()
        let leftovers = handle.callbacks.deliveries.withLock { $0.takeAll() }
        for waiter in leftovers { waiter.complete(.failure(KafkaError.shutDown())) }
        if !leftovers.isEmpty { logger.warning("producer closed with undelivered messages", metadata: ["kafka.count": "\(leftovers.count)"]) }
        let handle = self.handle
        await BlockingCall.run { handle.destroy() }
        state.withLock { $0 = .closed }
    }

    private func startPoller() {
        let handle = self.handle
        let thread = Thread { [state, poller] in
            while state.withLock({ $0 == .running }) {
                rd_kafka_poll(handle.pointer, 100)
            }
            // Serve the last delivery reports produced while stopping.
            rd_kafka_poll(handle.pointer, 0)
            let waiter = poller.withLock { poller -> CheckedContinuation<Void, Never>? in
                defer { poller = .stopped }
                if case .running(let waiter) = poller { return waiter }
                return nil
            }
            waiter?.resume()
        }
        thread.name = "kafka-producer-poll"
        thread.start()
    }

    private func waitForPoller() async {
        await withCheckedContinuation { continuation in
            let resumeNow = poller.withLock { poller -> Bool in
                guard case .running = poller else { return true }
                poller = .running(waiter: continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    private static func makeHeaders(_ headers: [KafkaHeader]) -> OpaquePointer? {
        guard !headers.isEmpty, let list = rd_kafka_headers_new(headers.count) else { return nil }
        for header in headers {
            if let value = header.value {
                value.withUnsafeBytes { bytes in
                    _ = rd_kafka_header_add(list, header.name, -1, bytes.baseAddress, bytes.count)
                }
            } else {
                _ = rd_kafka_header_add(list, header.name, -1, nil, 0)
            }
        }
        return list
    }

    private static func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawPointer?, Int) -> R) -> R {
        guard let bytes else { return body(nil, 0) }
        return bytes.withUnsafeBytes { body($0.baseAddress, $0.count) }
    }
}
