import Foundation
import Hummingbird
import Kafka
import Logging

/// `/health/live` (the process answers) and `/health/ready`: each check's result and one
/// status. `ready` (200) when every check passes; `not_ready` (503, `Retry-After`) while the
/// service is starting or draining; `degraded` when a part it depends on is out of reach:
/// 503 for one it cannot serve without (the database), 200 for one it can (the broker:
/// writes wait in the outbox).
public struct HealthRoutes: Sendable {
    public typealias Check = @Sendable () async -> Bool
    /// How much a failing check matters.
    public enum Weight: Sendable {
        /// The service's own state (started, not draining): not ready without it.
        case essential
        /// A part the service cannot serve without: degraded, and out of rotation.
        case dependency
        /// A part the service serves without, less well: degraded, still in rotation.
        case degrading
    }

    let checks: [(name: String, weight: Weight, check: Check)]
    /// A service in local development says so on every readiness answer.
    let localDevelopment: Bool

    public init(checks: [(name: String, weight: Weight, check: Check)], localDevelopment: Bool = false) {
        self.checks = checks
        self.localDevelopment = localDevelopment
    }

    /// Only essential checks.
    public init(checks: [(name: String, check: Check)], localDevelopment: Bool = false) {
        self.init(checks: checks.map { ($0.name, .essential, $0.check) }, localDevelopment: localDevelopment)
    }

    public func register(on router: Router<ServiceRequestContext>) {
        router.get("/health/live") { _, _ in
            Self.json(Readiness(status: "live"), status: .ok)
        }
        router.get("/health/ready") { _, _ in
            var results: [String: String] = [:]
            var failing: [Weight] = []
            await withTaskGroup(of: (String, Weight, Bool).self) { group in
                for (name, weight, check) in checks { group.addTask { (name, weight, await check()) } }
                for await (name, weight, ok) in group {
                    results[name] = ok ? "ok" : "failing"
                    if !ok { failing.append(weight) }
                }
            }
            let status = failing.isEmpty ? "ready" : failing.contains(.essential) ? "not_ready" : "degraded"
            let unavailable = failing.contains(.essential) || failing.contains(.dependency)
            let answer = Readiness(status: status, checks: results,
                                   mode: localDevelopment ? "local-development" : "production",
                                   warning: localDevelopment ? ServiceMain.localDevelopmentWarning : nil)
            return Self.json(answer, status: unavailable ? .serviceUnavailable : .ok, retryAfter: unavailable ? 2 : nil)
        }
    }

    /// What `/health/*` answers: the status, and for readiness each check and the mode.
    struct Readiness: Encodable {
        var status: String
        var checks: [String: String]?
        var mode: String?
        var warning: String?
    }

    static func json(_ answer: Readiness, status: HTTPResponse.Status, retryAfter: Int? = nil) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(answer)) ?? Data()
        var headers: HTTPFields = [.contentType: "application/json", .cacheControl: "no-store"]
        if let retryAfter { headers[.retryAfter] = "\(retryAfter)" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
