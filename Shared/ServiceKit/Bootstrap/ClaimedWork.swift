import Logging
import Messaging
import Persistence
import ServiceLifecycle

/// Work kept in a table and done by whichever replica claims it (outgoing webhooks, pushes to
/// a POS): each round claims up to `batch` due items (the claim is the caller's `FOR UPDATE
/// SKIP LOCKED` query) and handles them concurrently; a round that found less than a full
/// batch sleeps until the change feed rings `wakeKey` (new or replayed work) or a second
/// passes (retries coming due). Waits for migrations; stops on graceful shutdown.
///
/// The claim sees every store's due items; each item is handled within its own store
/// (``StoreScope``), so what handling writes and records is that store's.
public struct ClaimedWork<Item: Sendable & StoreOwned>: Service {
    public let name: String
    let batch: Int
    let environment: ServiceEnvironment
    let changes: ChangeFeed
    let wakeKey: String
    let claim: @Sendable (_ limit: Int) async throws -> [Item]
    let handle: @Sendable (Item) async -> Void

    public init(_ name: String, batch: Int, environment: ServiceEnvironment, changes: ChangeFeed, wakeKey: String,
                claim: @escaping @Sendable (_ limit: Int) async throws -> [Item], handle: @escaping @Sendable (Item) async -> Void) {
        self.name = name
        self.batch = batch
        self.environment = environment
        self.changes = changes
        self.wakeKey = wakeKey
        self.claim = claim
        self.handle = handle
    }

    public func run() async throws {
        await environment.startGate.wait()
        guard environment.startGate.isOpen else { return }
        await cancelWhenGracefulShutdown {
            let watch = changes.watch(wakeKey)
            defer { watch.cancel() }
            while !Task.isCancelled {
                do {
                    let due = try await StoreScope.acrossStores { try await claim(batch) }
                    await withTaskGroup(of: Void.self) { group in
                        for item in due { group.addTask { await StoreScope.run(for: item.storeId) { await handle(item) } } }
                    }
                    if due.count == batch { continue }
                } catch {
                    environment.logger.error("claimed work round failed", metadata: ["work": "\(name)", "error": "\(String(reflecting: error))"])
                }
                await watch.wait(upTo: .seconds(1))
            }
        }
    }
}
