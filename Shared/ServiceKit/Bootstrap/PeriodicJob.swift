import Logging
import ServiceLifecycle

/// Work a service does on a timer (a reservation sweeper, an abandoned-cart scan, an
/// inventory pull): waits for migrations, runs `work` every `interval` until shutdown, logs
/// and survives a failed round. Running it on several replicas is safe when `work` claims its
/// rows with `FOR UPDATE SKIP LOCKED`.
public struct PeriodicJob: Service {
    public let name: String
    public let interval: Duration
    let environment: ServiceEnvironment
    let work: @Sendable () async throws -> Void

    public init(_ name: String, every interval: Duration, environment: ServiceEnvironment,
                work: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.interval = interval
        self.environment = environment
        self.work = work
    }

    public func run() async throws {
        await environment.startGate.wait()
        guard environment.startGate.isOpen else { return }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await work()
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
