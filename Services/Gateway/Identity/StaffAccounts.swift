import Foundation
import Hummingbird
import Logging
import PostgresNIO
import ServiceKit

/// Shop staff: `admin` (refunds, role changes, staff accounts) and `staff` (day-to-day).
struct StaffAccounts: Sendable {
    let database: Database

    /// A staff member as the API shows them; `id` is the lower-case UUID.
    struct StaffUser: Sendable, Equatable, ResponseEncodable {
        var id: String
        var email: String
        var name: String
        var role: String
    }

    func create(email: String, passwordHash: String, name: String, role: String, logger: Logger) async throws -> StaffUser {
        let id = UUID()
        do {
            try await database.client.query("""
                INSERT INTO staff_users (id, email, password_hash, name, role) VALUES (\(id), \(email), \(passwordHash), \(name), \(role))
                """, logger: logger)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw Problem(status: .conflict, type: "email-taken", title: "A staff account with this email exists.",
                          errors: [.init(field: "email", message: "is already registered")])
        }
        return StaffUser(id: id.uuidString.lowercased(), email: email, name: name, role: role)
    }

    func find(email: String, logger: Logger) async throws -> (StaffUser, String)? {
        let rows = try await database.client.query(
            "SELECT id, email, name, role, password_hash FROM staff_users WHERE lower(email) = lower(\(email))", logger: logger)
        for try await (id, email, name, role, hash) in rows.decode((UUID, String, String, String, String).self) {
            return (StaffUser(id: id.uuidString.lowercased(), email: email, name: name, role: role), hash)
        }
        return nil
    }

    /// Creates the configured first admin if the shop has no admin yet. Idempotent, and safe
    /// with several gateway replicas starting at once (advisory lock).
    func ensureBootstrapAdmin(email: String, password: String, hasher: PasswordHasher, logger: Logger) async throws {
        let hash = await hasher.hash(password)
        try await database.transaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('bootstrap-admin'))", logger: logger)
            let rows = try await connection.query("SELECT count(*)::int FROM staff_users WHERE role = 'admin'", logger: logger)
            var admins = 0
            for try await count in rows.decode(Int.self) { admins = count }
            guard admins == 0 else { return }
            try await connection.query("""
                INSERT INTO staff_users (id, email, password_hash, name, role) VALUES (\(UUID()), \(email.lowercased()), \(hash), 'Administrator', 'admin')
                """, logger: logger)
            logger.notice("bootstrap admin created", metadata: ["staff.email": "\(email.lowercased())"])
        }
    }
}
