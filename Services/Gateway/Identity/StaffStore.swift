import EventContracts
import Foundation
import Hummingbird
import Logging
import Persistence
import PostgresNIO
import ServiceKit

/// Staff: people (accounts), each working in stores through memberships with a role there:
/// `owner` or `admin` (refunds, role changes, staff accounts) and `staff` (day-to-day). Staff
/// can be blocked (no sign-in; their tokens stop working) and removed (the row stays for the
/// audit trail). Every store always keeps one owner or admin in good standing. What an admin
/// sees and changes is the staff of the store they work in; a person who also works in other
/// stores, or runs the platform, is changed as a person only by a platform operator.
struct StaffStore: Sendable {
    let database: Database

    /// A staff member as the API shows them; `id` is the lower-case UUID.
    struct StaffUser: Sendable, Equatable, ResponseEncodable {
        var id: String
        var email: String
        var name: String
        var role: String
        /// `active`, `blocked`, or `invited` (no password yet).
        var status: String
    }

    /// What a token's account says now.
    struct Standing: Sendable {
        var role: String
        var blocked: Bool
        var platformAdmin: Bool
    }

    private static let columns = "id, email, name, role, blocked_at IS NOT NULL, password_hash IS NULL"

    private static func user(_ row: (UUID, String, String, String, Bool, Bool)) -> StaffUser {
        StaffUser(id: row.0.uuidString.lowercased(), email: row.1, name: row.2, role: row.3,
                  status: row.4 ? "blocked" : row.5 ? "invited" : "active")
    }

    /// Creates a staff account, a member of `store` with `role`.
    func create(email: String, passwordHash: String, name: String, role: String, store: StoreID, logger: Logger) async throws -> StaffUser {
        let id = UUID()
        do {
            try await database.transaction(logger: logger) { connection in
                try await connection.query("""
                    INSERT INTO staff_users (id, email, password_hash, name, role) VALUES (\(id), \(email), \(passwordHash), \(name), \(role))
                    """, logger: logger)
                try await connection.query(
                    "INSERT INTO store_memberships (store_id, staff_id, role) VALUES (\(store.uuid), \(id), \(role))", logger: logger)
            }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw Problem(status: .conflict, type: "email-taken", title: "A staff account with this email exists.",
                          errors: [.init(field: "email", message: "is already registered")])
        }
        return StaffUser(id: id.uuidString.lowercased(), email: email, name: name, role: role, status: "active")
    }

    /// The account that may sign in with `email`, with its password hash (nil while invited).
    func find(email: String, logger: Logger) async throws -> (StaffUser, String)? {
        let rows = try await database.client.query("""
            SELECT \(unescaped: Self.columns), password_hash FROM staff_users WHERE lower(email) = lower(\(email)) AND removed_at IS NULL
            """, logger: logger)
        for try await (id, email, name, role, blocked, invited, hash) in rows.decode((UUID, String, String, String, Bool, Bool, String?).self) {
            guard let hash else { return nil }
            return (Self.user((id, email, name, role, blocked, invited)), hash)
        }
        return nil
    }

    func find(id: UUID, logger: Logger) async throws -> StaffUser? {
        let rows = try await database.client.query(
            "SELECT \(unescaped: Self.columns) FROM staff_users WHERE id = \(id) AND removed_at IS NULL", logger: logger)
        for try await row in rows.decode((UUID, String, String, String, Bool, Bool).self) { return Self.user(row) }
        return nil
    }

    /// The columns of a staff member as the staff of `store` (the role is their membership's).
    private static let memberColumns = "u.id, u.email, u.name, m.role, u.blocked_at IS NOT NULL, u.password_hash IS NULL"

    /// The staff of `store` who are not removed, by email, with their role there.
    func list(store: StoreID, logger: Logger) async throws -> [StaffUser] {
        let rows = try await database.client.query("""
            SELECT \(unescaped: Self.memberColumns) FROM staff_users u JOIN store_memberships m ON m.staff_id = u.id
            WHERE m.store_id = \(store.uuid) AND u.removed_at IS NULL ORDER BY lower(u.email)
            """, logger: logger)
        var users: [StaffUser] = []
        for try await row in rows.decode((UUID, String, String, String, Bool, Bool).self) { users.append(Self.user(row)) }
        return users
    }

    /// The account behind a staff token, or nil when it was removed (or never existed).
    func standing(id: UUID, logger: Logger) async throws -> Standing? {
        let rows = try await database.client.query(
            "SELECT role, blocked_at IS NOT NULL, platform_admin FROM staff_users WHERE id = \(id) AND removed_at IS NULL", logger: logger)
        for try await (role, blocked, platform) in rows.decode((String, Bool, Bool).self) {
            return Standing(role: role, blocked: blocked, platformAdmin: platform)
        }
        return nil
    }

    /// A change to one staff account.
    enum Change: Sendable {
        case role(String)
        case name(String)
        case block
        case unblock
        case remove
    }

    enum Outcome: Sendable {
        case changed(StaffUser)
        case removed
        case notFound
    }

    /// Applies `changes` to the member `id` of `store` in one transaction: a role is the
    /// membership's; a name, a block and a removal of the account are the person's, and a
    /// person who also works in other stores or runs the platform is changed as a person only
    /// by a platform operator (403; removing them ends their membership here only). A 409
    /// problem when the store would be left without an active owner or admin (nothing changes).
    func apply(_ changes: [Change], to id: UUID, in store: StoreID, byPlatformOperator: Bool, logger: Logger) async throws -> Outcome {
        try await database.transaction(logger: logger) { connection in
            // One change to the admins at a time, so two admins cannot demote each other at once.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('staff-admins'))", logger: logger)
            let found = try await connection.query("""
                SELECT u.platform_admin, (SELECT count(*)::int FROM store_memberships o WHERE o.staff_id = u.id AND o.store_id <> \(store.uuid))
                FROM staff_users u JOIN store_memberships m ON m.staff_id = u.id AND m.store_id = \(store.uuid)
                WHERE u.id = \(id) AND u.removed_at IS NULL FOR UPDATE OF u
                """, logger: logger)
            var target: (platform: Bool, elsewhere: Int)?
            for try await row in found.decode((Bool, Int).self) { target = row }
            guard let target else { return .notFound }
            let sharedPerson = target.platform || target.elsewhere > 0
            for change in changes {
                switch change {
                case .role(let role):
                    try await connection.query(
                        "UPDATE store_memberships SET role = \(role) WHERE store_id = \(store.uuid) AND staff_id = \(id)", logger: logger)
                case .remove where sharedPerson:
                    try await connection.query(
                        "DELETE FROM store_memberships WHERE store_id = \(store.uuid) AND staff_id = \(id)", logger: logger)
                case .name, .block, .unblock, .remove:
                    guard !sharedPerson || byPlatformOperator else {
                        throw Problem(status: .forbidden, type: "staff-of-other-stores", title: "Only a platform operator can change this person.",
                                      detail: "They also work in other stores, or run the platform.")
                    }
                    try await Self.applyToPerson(change, id: id, store: store, on: connection, logger: logger)
                }
            }
            let admins = try await connection.query("""
                SELECT count(*)::int FROM store_memberships m JOIN staff_users u ON u.id = m.staff_id
                WHERE m.store_id = \(store.uuid) AND m.role IN ('owner', 'admin')
                  AND u.blocked_at IS NULL AND u.removed_at IS NULL AND u.password_hash IS NOT NULL
                """, logger: logger)
            var remaining = 0
            for try await count in admins.decode(Int.self) { remaining = count }
            guard remaining > 0 else {
                throw Problem(status: .conflict, type: "last-admin", title: "The store must keep one active owner or admin.",
                              detail: "Make another admin first.")
            }
            let rows = try await connection.query("""
                SELECT \(unescaped: Self.memberColumns) FROM staff_users u JOIN store_memberships m ON m.staff_id = u.id
                WHERE u.id = \(id) AND m.store_id = \(store.uuid) AND u.removed_at IS NULL
                """, logger: logger)
            for try await row in rows.decode((UUID, String, String, String, Bool, Bool).self) { return .changed(Self.user(row)) }
            return .removed
        }
    }

    /// A change to the person behind a membership (their account).
    private static func applyToPerson(_ change: Change, id: UUID, store: StoreID, on connection: PostgresConnection, logger: Logger) async throws {
        switch change {
        case .role: break
        case .name(let name):
            try await connection.query("UPDATE staff_users SET name = \(name) WHERE id = \(id)", logger: logger)
        case .block:
            try await connection.query("UPDATE staff_users SET blocked_at = coalesce(blocked_at, now()) WHERE id = \(id)", logger: logger)
        case .unblock:
            try await connection.query("UPDATE staff_users SET blocked_at = NULL WHERE id = \(id)", logger: logger)
        case .remove:
            try await connection.query("DELETE FROM store_memberships WHERE store_id = \(store.uuid) AND staff_id = \(id)", logger: logger)
            try await connection.query("UPDATE staff_users SET removed_at = now() WHERE id = \(id)", logger: logger)
            try await spendInvitations(of: id, on: connection, logger: logger)
        }
    }

    /// How the first admin gets in when the shop has none.
    enum FirstAdmin: Sendable {
        /// With this password hash (bcrypt).
        case passwordHash(String)
        /// Without a password, behind a single-use invitation valid for `lifetime`.
        case invitation(lifetime: TimeInterval)
    }

    /// Creates the first admin (a platform operator who owns the original store) if the
    /// deployment has no platform operator yet; returns the invitation's
    /// token when it made one (to be shown once: only its hash is kept). Idempotent, and safe
    /// with several gateway replicas starting at once (advisory lock). While the admin waits on
    /// an invitation, each start makes another (the earlier ones stay valid until they expire,
    /// so replicas do not void each other's); accepting any of them spends them all, and so
    /// does giving the admin a password hash.
    func ensureFirstAdmin(email: String, _ how: FirstAdmin, logger: Logger) async throws -> OpaqueToken? {
        try await database.transaction(logger: logger) { connection -> OpaqueToken? in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('bootstrap-admin'))", logger: logger)
            let rows = try await connection.query("""
                SELECT count(*) FILTER (WHERE password_hash IS NOT NULL)::int, (array_agg(id) FILTER (WHERE password_hash IS NULL))[1]
                FROM staff_users WHERE platform_admin AND removed_at IS NULL
                """, logger: logger)
            var admins = 0
            var invited: UUID?
            for try await (count, waiting) in rows.decode((Int, UUID?).self) { (admins, invited) = (count, waiting) }
            guard admins == 0 else { return nil }
            switch how {
            case .passwordHash(let hash):
                if let invited {
                    try await connection.query("UPDATE staff_users SET password_hash = \(hash) WHERE id = \(invited)", logger: logger)
                    try await Self.spendInvitations(of: invited, on: connection, logger: logger)
                } else {
                    let id = UUID()
                    try await connection.query("""
                        INSERT INTO staff_users (id, email, password_hash, name, role, platform_admin)
                        VALUES (\(id), \(email.lowercased()), \(hash), 'Administrator', 'admin', true)
                        """, logger: logger)
                    try await Self.ownOriginalStore(id, on: connection, logger: logger)
                }
                logger.notice("bootstrap admin created", metadata: ["staff.email": "\(email.lowercased())"])
                return nil
            case .invitation(let lifetime):
                let id = invited ?? UUID()
                if invited == nil {
                    try await connection.query("""
                        INSERT INTO staff_users (id, email, password_hash, name, role, platform_admin)
                        VALUES (\(id), \(email.lowercased()), NULL, 'Administrator', 'admin', true)
                        """, logger: logger)
                    try await Self.ownOriginalStore(id, on: connection, logger: logger)
                }
                let token = OpaqueToken.generate()
                try await connection.query("""
                    INSERT INTO staff_invitations (token_hash, staff_id, expires_at)
                    VALUES (\(OpaqueToken.hash(token.value)), \(id), now() + make_interval(secs => \(lifetime)))
                    """, logger: logger)
                logger.notice("bootstrap admin invited", metadata: ["staff.email": "\(email.lowercased())"])
                return token
            }
        }
    }

    /// The first admin runs the platform and owns the original store.
    private static func ownOriginalStore(_ staffID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO store_memberships (store_id, staff_id, role) VALUES (\(StoreID.original.uuid), \(staffID), 'owner')
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    private static func spendInvitations(of staffID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE staff_invitations SET used_at = coalesce(used_at, now()) WHERE staff_id = \(staffID)", logger: logger)
    }

    /// Whether `token` is an unused, unexpired invitation of an account still waiting for its
    /// password (a cheap check before the password is hashed).
    func invitationIsOpen(_ token: String, logger: Logger) async throws -> Bool {
        let rows = try await database.client.query("""
            SELECT 1 FROM staff_invitations i JOIN staff_users u ON u.id = i.staff_id
            WHERE i.token_hash = \(OpaqueToken.hash(token)) AND i.used_at IS NULL AND i.expires_at > now()
              AND u.password_hash IS NULL AND u.blocked_at IS NULL AND u.removed_at IS NULL
            """, logger: logger)
        var open = false
        for try await _ in rows.decode(Int.self) { open = true }
        return open
    }

    /// Sets the password of the account an unused, unexpired invitation is for, if it is still
    /// waiting for one (not blocked, not removed), and spends all its invitations; nil when the
    /// token opens nothing.
    func acceptInvitation(_ token: String, passwordHash: String, logger: Logger) async throws -> StaffUser? {
        try await database.transaction(logger: logger) { connection in
            guard let staffID = try await SingleUseTokens.spend(token, in: "staff_invitations", owner: "staff_id", on: connection, logger: logger)
            else { return nil }
            let updated = try await connection.query("""
                UPDATE staff_users SET password_hash = \(passwordHash)
                WHERE id = \(staffID) AND password_hash IS NULL AND blocked_at IS NULL AND removed_at IS NULL
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            var user: StaffUser?
            for try await row in updated.decode((UUID, String, String, String, Bool, Bool).self) { user = Self.user(row) }
            guard let user else { return nil }
            try await Self.spendInvitations(of: staffID, on: connection, logger: logger)
            return user
        }
    }
}
