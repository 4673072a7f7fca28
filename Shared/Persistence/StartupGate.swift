import Synchronization

/// Opens once the service's start-up work (migrations, topics, and what the service adds
/// with ``beforeOpening(_:)``) is done; the relay, the consumers and readiness wait on it, so
/// nothing touches tables that do not exist yet and no one is told "ready" too early.
public final class StartupGate: Sendable {
    private struct State {
        var isOpen = false
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }
    private let state = Mutex(State())
    private let work = Mutex<[@Sendable () async throws -> Void]>([])

    public init() {}

    /// Adds start-up work of the service's own (the first admin, a demo catalog): it runs
    /// after migrations, in the order added, before the gate opens.
    public func beforeOpening(_ step: @escaping @Sendable () async throws -> Void) {
        work.withLock { $0.append(step) }
    }

    /// Runs the added start-up work (the kit calls this just before ``open()``).
    package func runStartUpWork() async throws {
        for step in work.withLock({ $0 }) { try await step() }
    }

    public var isOpen: Bool { state.withLock { $0.isOpen } }

    public func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.isOpen = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when the gate opens, or early if the task is cancelled (start-up failed and
    /// the service group is shutting down); check ``isOpen`` afterwards.
    public func wait() async {
        let id = state.withLock { state -> Int in
            defer { state.nextID += 1 }
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool in
                    if state.isOpen || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
