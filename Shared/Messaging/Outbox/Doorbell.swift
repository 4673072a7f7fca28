import Synchronization

/// Wakes one waiting task early: the outbox relay sleeps until a notification rings the
/// doorbell or its polling interval passes. A ring with nobody waiting is remembered once. A
/// ring may carry a note (the latest ring's wins), which the next wait returns.
final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var note: String?
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    func ring(note: String? = nil) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.note = note
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.rung = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when rung, or after `timeout`, or when the task is cancelled. Only a ring is
    /// remembered: the timeout and a cancellation leave nothing behind, so the next wait
    /// sleeps its whole interval unless rung again. Returns the latest ring's note, if any.
    @discardableResult
    func wait(upTo timeout: Duration) async -> String? {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.waitForRing() }
            await group.next()
            group.cancelAll()
            await group.waitForAll()
        }
        return state.withLock { state in
            defer { state.note = nil }
            return state.note
        }
    }

    private func waitForRing() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool in
                    if state.rung {
                        state.rung = false
                        return true
                    }
                    // Cancelled before registering: the handler below found nobody to wake.
                    if Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
