import Synchronization

/// Wakes one waiting task early: the outbox relay sleeps until a notification rings the
/// doorbell or its polling interval passes. A ring with nobody waiting is remembered once.
final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.rung = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when rung, or after `timeout`.
    func wait(upTo timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // Rings on timeout and on cancellation alike, so the waiter below always ends;
                // a leftover ring only costs the relay one early round.
                try? await Task.sleep(for: timeout)
                self.ring()
            }
            group.addTask { await self.waitForRing() }
            await group.next()
            group.cancelAll()
            await group.waitForAll()
        }
    }

    private func waitForRing() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if state.rung {
                    state.rung = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
