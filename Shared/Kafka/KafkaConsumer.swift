import CRdKafka
import Dispatch
import Logging
import Synchronization

/// A Kafka consumer in a consumer group, for at-least-once processing.
///
/// Read ``messages`` and call ``commit(_:)`` once a message's effect is durable: offsets are
/// never committed automatically, so a consumer that crashes before committing sees its
/// uncommitted messages again after restart. A consumer made with a `commitInterval` may
/// instead ``store(_:)`` each processed message's offset: librdkafka commits the stored
/// offsets of all partitions in one request per interval, and at close (a crash redelivers
/// at most the last interval's messages). Partition assignment and revocation are applied
/// by a rebalance callback before librdkafka continues. All blocking librdkafka calls (poll
/// with a timeout, synchronous commit, close) run on this consumer's own serial Dispatch queue.
public final class KafkaConsumer: Sendable {
    private let handle: RDKafkaHandle
    private let reachability = ReachabilityProbe()
    private let queue: DispatchQueue
    private let logger: Logger
    private let state = LockedState(State.open)
    /// How long one blocking poll may wait before checking for shutdown or cancellation.
    private let pollSlice: Int32 = 100

    private enum State { case open, draining, closing, closed }

    /// Joins `groupID` and subscribes to `topics`. With a `commitInterval`, offsets given to
    /// ``store(_:)`` are committed in the background at that interval.
    public convenience init(configuration: KafkaConfiguration, groupID: String, topics: [String], logger: Logger,
                            commitInterval: Duration? = nil) throws {
        var configuration = configuration
        if let commitInterval {
            configuration["enable.auto.commit"] = "true"
            configuration["auto.commit.interval.ms"] = "\(max(commitInterval.wholeMilliseconds, 1))"
        }
        try self.init(configuration: configuration, groupID: groupID, logger: logger)
        guard let list = rd_kafka_topic_partition_list_new(Int32(topics.count)) else {
            handle.destroy()
            throw KafkaError.configuration("cannot allocate a topic list")
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics { rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA) }
        let err = rd_kafka_subscribe(handle.pointer, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            handle.destroy()
            throw KafkaError(code: err)
        }
    }

    private init(configuration: KafkaConfiguration, groupID: String, logger: Logger) throws {
        self.logger = logger
        self.queue = DispatchQueue(label: "commerce.kafka.consumer.\(groupID)")
        let callbacks = RDKafkaCallbacks(logger: logger)
        let conf = try RDKafkaConfig.make(configuration.consumer(groupID: groupID))
        callbacks.install(on: conf)
        rd_kafka_conf_set_rebalance_cb(conf) { rk, err, partitions, _ in
            guard let rk else { return }
            KafkaConsumer.rebalance(rk: rk, err: err, partitions: partitions)
        }
        let handle = try RDKafkaHandle(type: RD_KAFKA_CONSUMER, conf: conf, callbacks: callbacks)
        self.handle = handle
        rd_kafka_poll_set_consumer(handle.pointer)
    }

    /// A consumer of every partition of `topic` from its first message, assigned by hand: it
    /// joins no group (nothing to wait for) and commits nothing. Returns it with the end
    /// offset (the offset the next message will get) of each partition that held messages
    /// when reading started, so a reader knows when it has seen everything published before.
    /// A topic that does not exist yet has no partitions and nothing is read from it.
    public static func wholeTopic(_ topic: String, configuration: KafkaConfiguration, logger: Logger,
                                  timeout: Duration = .seconds(10)) async throws -> (consumer: KafkaConsumer, ends: [Int32: Int64]) {
        let consumer = try KafkaConsumer(configuration: configuration, groupID: "whole-topic-reader", logger: logger)
        let handle = consumer.handle
        let milliseconds = Int32(timeout.components.seconds * 1000)
        do {
            let ends = try await BlockingCall.run(on: consumer.queue) { () throws -> [Int32: Int64] in
                var ends: [Int32: Int64] = [:]
                let partitions = try handle.partitions(of: topic, timeoutMilliseconds: milliseconds)
                for partition in partitions {
                    var low: Int64 = 0
                    var high: Int64 = 0
                    let err = rd_kafka_query_watermark_offsets(handle.pointer, topic, partition, &low, &high, milliseconds)
                    if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(code: err) }
                    if high > low { ends[partition] = high }
                }
                guard let list = rd_kafka_topic_partition_list_new(Int32(max(partitions.count, 1))) else {
                    throw KafkaError.configuration("cannot allocate a partition list")
                }
                defer { rd_kafka_topic_partition_list_destroy(list) }
                for partition in partitions {
                    rd_kafka_topic_partition_list_add(list, topic, partition)?.pointee.offset = Int64(RD_KAFKA_OFFSET_BEGINNING)
                }
                let err = rd_kafka_assign(handle.pointer, list)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(code: err) }
                return ends
            }
            return (consumer, ends)
        } catch {
            await consumer.close()
            throw error
        }
    }

    /// Sets the committed offsets of `groupID` on every partition of `topics` back to each
    /// partition's first message, so that the group's next member reads everything again: what
    /// an operator's offset reset does (and a fault test's "every message twice"). The group
    /// must have no members (stop the service first): while the broker still counts a member
    /// that went away without leaving (until its session times out), it refuses the reset, and
    /// the reset is tried again every second for up to `waitingForMembers`. A topic that does
    /// not exist is passed over.
    public static func rewind(groupID: String, topics: [String], configuration: KafkaConfiguration, logger: Logger,
                              timeout: Duration = .seconds(10), waitingForMembers: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + waitingForMembers
        while true {
            do {
                return try await rewindOnce(groupID: groupID, topics: topics, configuration: configuration, logger: logger, timeout: timeout)
            } catch let error as KafkaError where error.groupHasMembers && ContinuousClock.now < deadline {
                logger.info("the group still has a member; trying the reset again", metadata: ["group": "\(groupID)", "error": "\(error)"])
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    private static func rewindOnce(groupID: String, topics: [String], configuration: KafkaConfiguration, logger: Logger,
                                   timeout: Duration) async throws {
        let consumer = try KafkaConsumer(configuration: configuration, groupID: groupID, logger: logger)
        let handle = consumer.handle
        let milliseconds = Int32(timeout.components.seconds * 1000)
        do {
            try await BlockingCall.run(on: consumer.queue) {
                guard let list = rd_kafka_topic_partition_list_new(16) else { throw KafkaError.configuration("cannot allocate a partition list") }
                defer { rd_kafka_topic_partition_list_destroy(list) }
                for topic in topics {
                    for partition in (try? handle.partitions(of: topic, timeoutMilliseconds: milliseconds)) ?? [] {
                        var low: Int64 = 0
                        var high: Int64 = 0
                        let err = rd_kafka_query_watermark_offsets(handle.pointer, topic, partition, &low, &high, milliseconds)
                        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(code: err) }
                        rd_kafka_topic_partition_list_add(list, topic, partition)?.pointee.offset = low
                    }
                }
                guard list.pointee.cnt > 0 else { return }
                let err = rd_kafka_commit(handle.pointer, list, 0)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(code: err) }
            }
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
    }

    /// The partitions currently assigned to this member, by topic.
    public var assignment: [String: Set<Int32>] { handle.callbacks.assignment.withLock { $0 } }

    /// Messages in partition order, as an `AsyncSequence`. Ends when the consumer closes or
    /// the consuming task is cancelled. Throws fatal client errors.
    public var messages: Messages { Messages(consumer: self) }

    /// Commits `message.offset + 1` for its partition and waits for the broker's answer.
    public func commit(_ message: KafkaMessage) async throws {
        let handle = self.handle
        try await BlockingCall.run(on: queue) { [state] in
            guard state.withLock({ $0 == .open || $0 == .draining }) else { throw KafkaError.shutDown() }
            guard let list = rd_kafka_topic_partition_list_new(1) else { throw KafkaError.configuration("cannot allocate offsets") }
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let entry = rd_kafka_topic_partition_list_add(list, message.topic, message.partition)
            entry?.pointee.offset = message.offset + 1
            let err = rd_kafka_commit(handle.pointer, list, 0)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET {
                throw KafkaError(code: err)
            }
        }
    }

    /// The committed offset (the next offset to read) of one partition, or `nil` if none.
    public func committedOffset(topic: String, partition: Int32, timeout: Duration = .seconds(5)) async throws -> Int64? {
        let handle = self.handle
        let milliseconds = Int32(timeout.components.seconds * 1000)
        return try await BlockingCall.run(on: queue) { [state] in
            guard state.withLock({ $0 == .open || $0 == .draining }) else { throw KafkaError.shutDown() }
            guard let list = rd_kafka_topic_partition_list_new(1) else { throw KafkaError.configuration("cannot allocate offsets") }
            defer { rd_kafka_topic_partition_list_destroy(list) }
            rd_kafka_topic_partition_list_add(list, topic, partition)
            let err = rd_kafka_committed(handle.pointer, list, milliseconds)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(code: err) }
            let offset = list.pointee.elems[0].offset
            return offset >= 0 ? offset : nil
        }
    }

    /// Marks `message` processed: its offset + 1 is committed with the next background commit
    /// (consumers made with a `commitInterval`) or the next ``commit(_:)``. Does not block.
    public func store(_ message: KafkaMessage) {
        let handle = self.handle
        state.withLock { state in
            // Holding the lock keeps close() from destroying the client during the call.
            guard state == .open || state == .draining else { return }
            guard let list = rd_kafka_topic_partition_list_new(1) else { return }
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let entry = rd_kafka_topic_partition_list_add(list, message.topic, message.partition)
            entry?.pointee.offset = message.offset + 1
            _ = rd_kafka_offsets_store(handle.pointer, list)
        }
    }

    /// Ends ``messages`` (at most one poll slice later) while leaving the consumer able to
    /// commit what is still being processed. Call ``close()`` afterwards.
    public func stopPolling() {
        state.withLock { if $0 == .open { $0 = .draining } }
    }

    /// True when a broker answers a metadata request within the timeout.
    public func brokerReachable(timeout: Duration = .seconds(2)) async -> Bool {
        guard state.withLock({ $0 == .open }) else { return false }
        let handle = self.handle
        let milliseconds = max(Int32(timeout.components.seconds * 1000), 100)
        return await reachability.reachable(handle, timeoutMilliseconds: milliseconds)
    }

    /// Leaves the group (revoking partitions through the rebalance callback) and frees the
    /// client. Waits for an in-progress poll to return first. Safe to call more than once.
    public func close() async {
        let proceed = state.withLock { state -> Bool in
            guard state == .open || state == .draining else { return false }
            state = .closing
            return true
        }
        guard proceed else { return }
        let handle = self.handle
        await BlockingCall.run(on: queue) { [state] in
            let err = rd_kafka_consumer_close(handle.pointer)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                handle.callbacks.logger.debug("consumer close", metadata: ["kafka.error": "\(String(cString: rd_kafka_err2str(err)))"])
            }
            handle.destroy()
            state.withLock { $0 = .closed }
        }
    }

    /// Polls once on the consumer queue, up to one poll slice. Returns `.message`, `.idle`
    /// (nothing arrived yet) or `.closed`.
    fileprivate func pollOnce() async throws -> PollResult {
        let handle = self.handle
        let slice = pollSlice
        return try await BlockingCall.run(on: queue) { [state] in
            guard state.withLock({ $0 == .open }) else { return .closed }
            guard let raw = rd_kafka_consumer_poll(handle.pointer, slice) else { return .idle }
            defer { rd_kafka_message_destroy(raw) }
            let err = raw.pointee.err
            if err == RD_KAFKA_RESP_ERR_NO_ERROR { return .message(KafkaConsumer.copy(raw)) }
            if err == RD_KAFKA_RESP_ERR__PARTITION_EOF { return .idle }
            var errstr = ""
            if let payload = raw.pointee.payload {
                errstr = String(decoding: UnsafeRawBufferPointer(start: payload, count: raw.pointee.len), as: UTF8.self)
            }
            let error = KafkaError(code: err, message: errstr.isEmpty ? nil : errstr)
            if rd_kafka_fatal_error(handle.pointer, nil, 0) != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError(code: err, message: error.message, isFatal: true)
            }
            // Non-fatal consumer errors (unknown topic not yet created, transport hiccups)
            // are reported and polling continues: librdkafka recovers by itself.
            handle.callbacks.logger.debug("consumer error", metadata: ["kafka.error": "\(error.message)"])
            return .idle
        }
    }

    fileprivate enum PollResult: Sendable {
        case message(KafkaMessage)
        case idle
        case closed
    }

    private static func copy(_ raw: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaMessage {
        let message = raw.pointee
        let topic = String(cString: rd_kafka_topic_name(message.rkt))
        let key: [UInt8]? = message.key.map { Array(UnsafeRawBufferPointer(start: $0, count: message.key_len)) }
        let value: [UInt8] = message.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: message.len)) } ?? []
        var headers: [KafkaHeader] = []
        var rdHeaders: OpaquePointer?
        if rd_kafka_message_headers(raw, &rdHeaders) == RD_KAFKA_RESP_ERR_NO_ERROR, let rdHeaders {
            var index = 0
            var name: UnsafePointer<CChar>?
            var valuePointer: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(rdHeaders, index, &name, &valuePointer, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                let headerValue = valuePointer.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
                headers.append(KafkaHeader(name: name.map { String(cString: $0) } ?? "", value: headerValue))
                index += 1
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(raw, &timestampType)
        return KafkaMessage(
            topic: topic, partition: message.partition, offset: message.offset, key: key, value: value,
            headers: headers, timestampMilliseconds: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp)
    }

    /// Applies an assignment change before returning, as librdkafka requires when a rebalance
    /// callback is installed; supports both the eager and the cooperative protocol.
    private static func rebalance(rk: OpaquePointer, err: rd_kafka_resp_err_t, partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        let callbacks = RDKafkaCallbacks.from(rk)
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        var changed: [String: Set<Int32>] = [:]
        if let partitions {
            for index in 0..<Int(partitions.pointee.cnt) {
                let element = partitions.pointee.elems[index]
                changed[String(cString: element.topic), default: []].insert(element.partition)
            }
        }
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            if cooperative {
                if let error = rd_kafka_incremental_assign(rk, partitions) { rd_kafka_error_destroy(error) }
                callbacks?.assignment.withLock { current in
                    for (topic, set) in changed { current[topic, default: []].formUnion(set) }
                }
            } else {
                rd_kafka_assign(rk, partitions)
                callbacks?.assignment.withLock { $0 = changed }
            }
            callbacks?.logger.debug("partitions assigned", metadata: ["kafka.partitions": "\(changed)"])
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            if cooperative {
                if let error = rd_kafka_incremental_unassign(rk, partitions) { rd_kafka_error_destroy(error) }
                callbacks?.assignment.withLock { current in
                    for (topic, set) in changed { current[topic]?.subtract(set) }
                }
            } else {
                rd_kafka_assign(rk, nil)
                callbacks?.assignment.withLock { $0 = [:] }
            }
            callbacks?.logger.debug("partitions revoked", metadata: ["kafka.partitions": "\(changed)"])
        default:
            callbacks?.logger.warning("rebalance error", metadata: ["kafka.error": "\(String(cString: rd_kafka_err2str(err)))"])
            rd_kafka_assign(rk, nil)
            callbacks?.assignment.withLock { $0 = [:] }
        }
    }
}

extension KafkaConsumer {
    /// The consumer's messages as an `AsyncSequence`. Each `next()` polls on the consumer's
    /// queue in short slices so that closing the consumer or cancelling the task ends it.
    public struct Messages: AsyncSequence, Sendable {
        public typealias Element = KafkaMessage
        let consumer: KafkaConsumer

        public func makeAsyncIterator() -> Iterator { Iterator(consumer: consumer) }

        public struct Iterator: AsyncIteratorProtocol {
            let consumer: KafkaConsumer

            public mutating func next() async throws -> KafkaMessage? {
                while !Task.isCancelled {
                    switch try await consumer.pollOnce() {
                    case .message(let message): return message
                    case .idle: continue
                    case .closed: return nil
                    }
                }
                return nil
            }
        }
    }
}
