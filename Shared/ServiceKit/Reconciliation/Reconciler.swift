import Logging
import Metrics
import Persistence
import ServiceLifecycle

/// Runs a service's ``ReconciliationCheck``s every `interval` (and on demand, from
/// `POST /admin/reconciliation/run`), keeps what they find (``ReconciliationStore``) and
/// reports it as metrics: `reconciliation_mismatches{check}` (a gauge of the last run) and
/// `reconciliation_runs_total{check,outcome}`.
public struct Reconciler: Service {
    let checks: [ReconciliationCheck]
    let store: ReconciliationStore
    let interval: Duration
    let environment: ServiceEnvironment

    public init(checks: [ReconciliationCheck], interval: Duration, environment: ServiceEnvironment) {
        self.checks = checks
        self.store = ReconciliationStore(database: environment.database)
        self.interval = interval
        self.environment = environment
    }

    /// Runs every check once, now, over every store's rows (a check is the deployment's, not
    /// one store's).
    public func runAll(logger: Logger) async {
        await StoreScope.acrossStores { await runChecks(logger: logger) }
    }

    private func runChecks(logger: Logger) async {
        for check in checks {
            do {
                let mismatches = try await check.run(logger)
                try await store.record(check.name, mismatches: mismatches, logger: logger)
                Gauge(label: "reconciliation_mismatches", dimensions: [("check", check.name)]).record(mismatches.count)
                Counter(label: "reconciliation_runs_total", dimensions: [("check", check.name), ("outcome", "done")]).increment()
                if !mismatches.isEmpty {
                    logger.warning("reconciliation found mismatches", metadata: [
                        "check": "\(check.name)", "mismatches": "\(mismatches.count)",
                        "first": "\(mismatches[0].subject): \(mismatches[0].detail)"])
                }
            } catch {
                Counter(label: "reconciliation_runs_total", dimensions: [("check", check.name), ("outcome", "failed")]).increment()
                logger.error("reconciliation check failed", metadata: ["check": "\(check.name)", "error": "\(String(reflecting: error))"])
                try? await store.recordFailure(check.name, error: String(describing: error).prefix(500).description, logger: logger)
            }
        }
    }

    public func run() async throws {
        guard !checks.isEmpty else { return }
        try await PeriodicJob("reconciliation", every: interval, reach: .acrossStores, environment: environment) {
            await runAll(logger: environment.logger)
        }.run()
    }
}
