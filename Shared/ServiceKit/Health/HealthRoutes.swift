import Foundation
import Hummingbird
import Kafka
import Logging

/// `/health/live` (the process answers) and `/health/ready` (migrations applied, database and
/// broker reachable): 200 with each check's result, or 503 naming what failed.
public struct HealthRoutes: Sendable {
    public typealias Check = @Sendable () async -> Bool
    let checks: [(name: String, check: Check)]
    /// A service in local development says so on every readiness answer.
    let localDevelopment: Bool

    public init(checks: [(name: String, check: Check)], localDevelopment: Bool = false) {
        self.checks = checks
        self.localDevelopment = localDevelopment
    }

    public func register(on router: Router<ServiceRequestContext>) {
        router.get("/health/live") { _, _ in
            Self.json(["status": "live"], status: .ok)
        }
        router.get("/health/ready") { _, _ in
            var results: [String: String] = [:]
            await withTaskGroup(of: (String, Bool).self) { group in
                for (name, check) in checks { group.addTask { (name, await check()) } }
                for await (name, ok) in group { results[name] = ok ? "ok" : "failing" }
            }
            let ready = results.values.allSatisfy { $0 == "ok" }
            var answer: [String: Any] = ["status": ready ? "ready" : "not_ready", "checks": results,
                                         "mode": localDevelopment ? "local-development" : "production"]
            if localDevelopment { answer["warning"] = ServiceMain.localDevelopmentWarning }
            return Self.json(answer, status: ready ? .ok : .serviceUnavailable)
        }
    }

    static func json(_ object: [String: Any], status: HTTPResponse.Status) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
