import Dispatch
import Synchronization

/// Answers "does a broker answer?" for one client with at most one metadata request in flight:
/// callers that ask while one is out wait for its answer, and an answer younger than
/// `freshFor` is given again. Readiness is probed often (a balancer every few hundred
/// milliseconds, per instance); with the broker down each request takes its whole timeout, and
/// one request per probe would pile up blocked threads.
final class ReachabilityProbe: Sendable {
    private struct State {
        var answer: Bool?
        var answeredAt: ContinuousClock.Instant?
        var waiters: [CheckedContinuation<Bool, Never>] = []
    }

    private let queue = DispatchQueue(label: "commerce.kafka.reachability")
    private let state = Mutex(State())
    private let freshFor: Duration

    init(freshFor: Duration = .seconds(1)) {
        self.freshFor = freshFor
    }

    func reachable(_ handle: RDKafkaHandle, timeoutMilliseconds: Int32) async -> Bool {
        await withCheckedContinuation { continuation in
            let start = state.withLock { state -> Bool? in
                if let answer = state.answer, let at = state.answeredAt, ContinuousClock.now - at < freshFor {
                    continuation.resume(returning: answer)
                    return nil
                }
                state.waiters.append(continuation)
                return state.waiters.count == 1
            }
            guard start == true else { return }
            queue.async { [self] in
                let answer = handle.brokerReachable(timeoutMilliseconds: timeoutMilliseconds)
                let waiters = self.state.withLock { state -> [CheckedContinuation<Bool, Never>] in
                    state.answer = answer
                    state.answeredAt = .now
                    defer { state.waiters = [] }
                    return state.waiters
                }
                for waiter in waiters { waiter.resume(returning: answer) }
            }
        }
    }
}
