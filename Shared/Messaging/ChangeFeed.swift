import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Tells waiting requests that a row they watch changed, through PostgreSQL `LISTEN`/`NOTIFY`:
/// a transaction calls ``notify(_:key:on:logger:)`` and the notification is delivered when
/// (and only if) it commits, to every replica of the service. A request that would otherwise
/// poll (`Prefer: wait`) registers for its key, reads, and sleeps until rung: no load while
/// nothing changes, an answer as soon as something did.
public final class ChangeFeed: Service, Sendable {
    public let channel: String
    let database: Database
    let logger: Logger
    private let watchers = Mutex<[String: [UUID: Watch]]>([:])
    private let observers = Mutex<[String: [@Sendable () -> Void]]>([:])
    private let listening = Atomic<Bool>(false)

    /// Whether the feed hears changes now. While it does not (before the first `LISTEN`,
    /// after a lost connection), whatever it keeps fresh must be read afresh.
    public var isListening: Bool { listening.load(ordering: .acquiring) }

    /// A feed on the channel `<schema>_<name>`, so replicas of one service hear each other and
    /// nothing else sharing the database.
    public init(named name: String, database: Database, logger: Logger) {
        self.channel = "\(database.settings.schema)_\(name)"
        self.database = database
        self.logger = logger
    }

    /// Announces a change of `key` when the caller's transaction commits.
    public static func notify(_ channel: String, key: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_notify(\(channel), \(key))", logger: logger)
    }

    /// The notification payload for a change of `key`, with an optional note for its waiters.
    public static func payload(key: String, note: String? = nil) -> String {
        guard let note else { return key }
        return key + " " + note
    }

    /// A registration for changes of one key; rings are remembered until waited for.
    public struct Watch: Sendable {
        let feed: ChangeFeed
        let key: String
        let id = UUID()
        let doorbell = Doorbell()

        /// Returns when the key changed since the last wait, or after `timeout`: the note of
        /// the latest ring, or nil after a ring without one or a timeout.
        @discardableResult
        public func wait(upTo timeout: Duration) async -> String? { await doorbell.wait(upTo: timeout) }

        public func cancel() {
            feed.watchers.withLock { watchers in
                watchers[key]?[id] = nil
                if watchers[key]?.isEmpty == true { watchers[key] = nil }
            }
        }
    }

    /// Starts watching `key`; register before reading, so no change is missed in between.
    public func watch(_ key: String) -> Watch {
        let watch = Watch(feed: self, key: key)
        watchers.withLock { $0[key, default: [:]][watch.id] = watch }
        return watch
    }

    /// Calls `action` on every change of `key` for as long as the feed runs, and whenever
    /// changes may have been missed (the feed starts or finds its connection again). For
    /// what is kept in memory and must be dropped when its rows change.
    public func observe(_ key: String, _ action: @escaping @Sendable () -> Void) {
        observers.withLock { $0[key, default: []].append(action) }
    }

    private func ring(_ payload: String) {
        let (key, note) = payload.firstIndex(of: " ").map { (String(payload[..<$0]), String(payload[payload.index(after: $0)...])) }
            ?? (payload, nil)
        for action in observers.withLock({ $0[key] ?? [] }) { action() }
        for watch in watchers.withLock({ Array(($0[key] ?? [:]).values) }) { watch.doorbell.ring(note: note) }
    }

    private func ringAll() {
        for action in observers.withLock({ $0.values.flatMap { $0 } }) { action() }
        for watch in watchers.withLock({ $0.values.flatMap(\.values) }) { watch.doorbell.ring(note: nil) }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.database.listen(on: self.channel, logger: self.logger) { notifications in
                        // Changes made while not listening: every watcher reads again.
                        self.ringAll()
                        self.listening.store(true, ordering: .releasing)
                        for try await notification in notifications { self.ring(notification.payload) }
                    }
                    self.listening.store(false, ordering: .releasing)
                } catch {
                    self.listening.store(false, ordering: .releasing)
                    if Task.isCancelled { return }
                    self.logger.debug("change feed LISTEN connection lost; retrying", metadata: ["error": "\(String(reflecting: error))"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }
}
