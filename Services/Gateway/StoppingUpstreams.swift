import Synchronization

/// The services that said they are stopping (``Drain``'s header on an answer), and when. A
/// connection such a service resets was reset unread, so the request on it may be sent again
/// whatever its method.
final class StoppingUpstreams: Sendable {
    private let lastSaid = Mutex<[String: ContinuousClock.Instant]>([:])

    func saidStopping(_ name: String) { lastSaid.withLock { $0[name] = .now } }

    /// Whether `name` said so within the last minute (its drain and its restart).
    func isStopping(_ name: String) -> Bool {
        lastSaid.withLock { $0[name].map { ContinuousClock.now - $0 < .seconds(60) } ?? false }
    }
}
