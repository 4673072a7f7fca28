import EventContracts
import Logging
import Persistence
import ServiceLifecycle

/// Work a service does on a timer (a reservation sweeper, an abandoned-cart scan, an
/// inventory pull): waits for migrations, runs `work` every `interval` until shutdown, logs
/// and survives a failed round. Running it on several replicas is safe when `work` claims its
/// rows with `FOR UPDATE SKIP LOCKED`.
///
/// Work is done for one store at a time (``Reach/eachStore``, within its ``StoreScope``, so
/// what it reads and the events it records are that store's), or once over every store's
/// rows (``Reach/acrossStores``) for checks that belong to the deployment.
public struct PeriodicJob: Service {
    /// Which stores one round of the job works for.
    public enum Reach: Sendable {
        /// A round runs `work` once per store the service has a copy of.
        case eachStore
        /// A round runs `work` once, seeing every store's rows.
        case acrossStores
        /// A round runs `work` for this store only (work whose outside party, such as the
        /// deployment's POS, serves one store).
        case only(StoreID)
    }

    public let name: String
    public let interval: Duration
    public let reach: Reach
    let environment: ServiceEnvironment
    let work: @Sendable () async throws -> Void

    public init(_ name: String, every interval: Duration, reach: Reach = .eachStore, environment: ServiceEnvironment,
                work: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.interval = interval
        self.reach = reach
        self.environment = environment
        self.work = work
    }

    /// One round: `work` for each store, or once across stores. A store whose round fails is
    /// logged and the others still run.
    func round() async throws {
        switch reach {
        case .acrossStores:
            try await StoreScope.acrossStores { try await work() }
        case .only(let store):
            try await StoreScope.run(for: store) { try await work() }
        case .eachStore:
            for store in try await StoreCopies.storeIds(database: environment.database, logger: environment.logger) {
                do {
                    try await StoreScope.run(for: store) { try await work() }
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    environment.logger.error("periodic job failed for a store", metadata: [
                        "job": "\(name)", "store": "\(store)", "error": "\(String(reflecting: error))"])
                }
            }
        }
    }

    public func run() async throws {
        await environment.startGate.wait()
        guard environment.startGate.isOpen else { return }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await round()
                } catch is CancellationError {
                    return
                } catch {
                    environment.logger.error("periodic job failed", metadata: ["job": "\(name)", "error": "\(String(reflecting: error))"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
