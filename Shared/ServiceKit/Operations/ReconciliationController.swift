import Foundation
import Hummingbird

/// What the service's reconciliation checks found, for staff: `GET /admin/reconciliation`
/// (each check's last run and the open findings) and `POST /admin/reconciliation/run` (run
/// every check now, then the same answer).
struct ReconciliationController: Controller {
    static let access = Access.platform
    let reconciler: Reconciler

    struct Report: ResponseEncodable {
        struct Check: Encodable, Sendable {
            var name: String
            var summary: String
            var lastRunAt: Date?
            var mismatches: Int?
            var error: String?
        }
        struct Finding: Encodable, Sendable {
            var check: String
            var subject: String
            var detail: String
            var firstSeenAt: Date
            var lastSeenAt: Date
        }
        var checks: [Check]
        var findings: [Finding]
    }

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.get("/admin/reconciliation") { _, context -> Report in
            try await report(context)
        }
        routes.post("/admin/reconciliation/run") { _, context -> Report in
            await reconciler.runAll(logger: context.logger)
            return try await report(context)
        }
        return routes
    }

    private func report(_ context: ServiceRequestContext) async throws -> Report {
        let runs = Dictionary(uniqueKeysWithValues: try await reconciler.store.runs(logger: context.logger).map { ($0.check, $0) })
        let findings = try await reconciler.store.openFindings(limit: 500, logger: context.logger)
        return Report(
            checks: reconciler.checks.map { check in
                let run = runs[check.name]
                return .init(name: check.name, summary: check.summary, lastRunAt: run?.ranAt, mismatches: run?.mismatches, error: run?.error)
            },
            findings: findings.map { .init(check: $0.check, subject: $0.subject, detail: $0.detail, firstSeenAt: $0.firstSeenAt, lastSeenAt: $0.lastSeenAt) })
    }
}
