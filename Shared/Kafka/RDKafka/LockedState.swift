import Synchronization

/// A reference to a `Mutex`-protected value, so that escaping closures (work handed to a
/// Dispatch queue or a polling thread) can share it.
final class LockedState<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<R: Sendable>(_ body: (inout sending Value) throws -> sending R) rethrows -> R {
        try mutex.withLock(body)
    }
}
