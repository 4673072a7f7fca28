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
            Self.json(Readiness(status: "live"), status: .ok)
        }
        router.get("/health/ready") { _, _ in
            var results: [String: String] = [:]
            await withTaskGroup(of: (String, Bool).self) { group in
                for (name, check) in checks { group.addTask { (name, await check()) } }
                for await (name, ok) in group { results[name] = ok ? "ok" : "failing" }
            }
            let ready = results.values.allSatisfy { $0 == "ok" }
            let answer = Readiness(status: ready ? "ready" : "not_ready", checks: results,
                                   mode: localDevelopment ? "local-development" : "production",
                                   warning: localDevelopment ? ServiceMain.localDevelopmentWarning : nil)
            return Self.json(answer, status: ready ? .ok : .serviceUnavailable)
        }
    }

    /// What `/health/*` answers: the status, and for readiness each check and the mode.
    struct Readiness: Encodable {
        var status: String
        var checks: [String: String]?
        var mode: String?
        var warning: String?
    }

    static func json(_ answer: Readiness, status: HTTPResponse.Status) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(answer)) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
