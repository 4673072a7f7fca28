import Foundation

/// Where and as whom a service connects to PostgreSQL. The password never appears in
/// ``description``.
public struct DatabaseSettings: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var schema: String
    public var maxConnections: Int
    public var tls: TLSMode

    public enum TLSMode: String, Sendable { case disable, prefer, require }

    public init(url: String, schema: String, maxConnections: Int = 20, tls: String = "disable") throws {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty, let username = components.user, !username.isEmpty
        else {
            throw ConfigurationError(variable: "DATABASE_URL", reason: "expected postgres://user:password@host:port/database")
        }
        let database = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard !database.isEmpty else { throw ConfigurationError(variable: "DATABASE_URL", reason: "names no database") }
        guard schema.range(of: "^[a-z_][a-z0-9_]{0,62}$", options: .regularExpression) != nil else {
            throw ConfigurationError(variable: "DATABASE_SCHEMA", reason: "expected a lower-case SQL identifier")
        }
        guard let mode = TLSMode(rawValue: tls) else {
            throw ConfigurationError(variable: "DATABASE_TLS", reason: "expected disable, prefer or require")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = username.removingPercentEncoding ?? username
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database
        self.schema = schema
        self.maxConnections = maxConnections
        self.tls = mode
    }

    public var description: String { "postgres://\(username)@\(host):\(port)/\(database) schema \(schema)" }
}
