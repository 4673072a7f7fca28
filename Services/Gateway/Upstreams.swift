import Foundation
import ServiceKit

/// The internal base URLs of the services the gateway forwards to, by the name used in
/// public paths (`/api/<name>/...`).
struct Upstreams: Sendable {
    static let ports = ["catalog": 8081, "checkout": 8082, "payments": 8083, "orders": 8084, "fulfillment": 8085]

    static var variables: [EnvironmentVariable] {
        ports.sorted { $0.key < $1.key }.map { name, port in
            EnvironmentVariable("\(name.uppercased())_URL", default: "http://127.0.0.1:\(port)", help: "Internal base URL of the \(name) service.")
        }
    }

    let baseURLs: [String: String]

    init(environment: ServiceEnvironment) throws {
        var urls: [String: String] = [:]
        for name in Self.ports.keys {
            urls[name] = try environment.httpURL("\(name.uppercased())_URL")
        }
        self.baseURLs = urls
    }
}
