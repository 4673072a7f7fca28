import Kafka
import Synchronization

/// The messages of one partition waiting to be applied, in order. The poller pushes; the
/// lane's worker takes everything that has queued up at once, so it can apply a burst in one
/// transaction.
final class PartitionLane: Sendable {
    private struct State {
        var queued: [KafkaMessage] = []
        var finished = false
        var waiter: CheckedContinuation<[KafkaMessage], Never>?
    }
    private let state = Mutex(State())

    func push(_ message: KafkaMessage) {
        let resume = state.withLock { state -> (CheckedContinuation<[KafkaMessage], Never>, [KafkaMessage])? in
            state.queued.append(message)
            guard let waiter = state.waiter else { return nil }
            state.waiter = nil
            defer { state.queued = [] }
            return (waiter, state.queued)
        }
        if let (waiter, messages) = resume { waiter.resume(returning: messages) }
    }

    /// No more messages will come; the worker ends once the queue is empty.
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<[KafkaMessage], Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: [])
    }

    /// Everything queued, waiting for at least one message; empty once finished and drained.
    func takeAll() async -> [KafkaMessage] {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> [KafkaMessage]? in
                if !state.queued.isEmpty || state.finished {
                    defer { state.queued = [] }
                    return state.queued
                }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
