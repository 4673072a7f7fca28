import EventContracts
import Foundation
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceKit

/// The gateway's customer accounts and refresh-token families, in its own schema.
struct CustomerStore: Sendable {
    let database: Database
    let outbox: Outbox
    let verifications: EmailVerifications

    enum Rotation: Sendable {
        case rotated(customerID: UUID)
        /// The token was already rotated or revoked: someone replayed it. The whole family
        /// is revoked, so the thief's and the owner's sessions both end.
        case reused
        case expired
        case unknown
    }

    /// Opens an account and announces it (`customer.registered`) in the same transaction,
    /// with a link to verify its email on its way.
    func register(email: String, passwordHash: String, name: String, phone: String?, store: StoreID, correlationId: String,
                  logger: Logger) async throws -> Customer {
        let id = UUID()
        do {
            return try await database.transaction(logger: logger) { connection in
                let rows = try await connection.query("""
                    INSERT INTO customers (id, store_id, email, password_hash, name, phone)
                    VALUES (\(id), \(store.uuid), \(email), \(passwordHash), \(name), \(phone))
                    RETURNING created_at
                    """, logger: logger)
                for try await createdAt in rows.decode(Date.self) {
                    let subject = CustomerID(id)
                    try await outbox.enqueue(CustomerRegistered(customerId: subject, email: email, name: name),
                                             subject: subject, correlationId: correlationId, on: connection, logger: logger)
                    try await verifications.issue(customerID: id, email: email, name: name, correlationId: correlationId,
                                                  on: connection, logger: logger)
                    return Customer(id: id, storeId: store, email: email, name: name, phone: phone, createdAt: createdAt, blocked: false,
                                    emailVerified: false)
                }
                throw Problem.internalError(correlationId: correlationId)
            }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw Problem(status: .conflict, type: "email-taken", title: "An account with this email exists.",
                          errors: [.init(field: "email", message: "is already registered")])
        }
    }

    private static let columns = """
        id, store_id, email, name, phone, created_at, blocked_at IS NOT NULL, password_hash, email_verified_at IS NOT NULL
        """
    private typealias Row = (UUID, UUID, String, String, String?, Date, Bool, String, Bool)

    private static func customer(_ row: Row) -> (Customer, String) {
        (Customer(id: row.0, storeId: StoreID(row.1), email: row.2, name: row.3, phone: row.4, createdAt: row.5, blocked: row.6,
                  emailVerified: row.8), row.7)
    }

    /// The customer of `store` with this email (any case) and their password hash.
    func find(email: String, store: StoreID, logger: Logger) async throws -> (Customer, String)? {
        let rows = try await database.client.query("""
            SELECT \(unescaped: Self.columns) FROM customers WHERE store_id = \(store.uuid) AND lower(email) = lower(\(email))
            """, logger: logger)
        for try await row in rows.decode(Row.self) { return Self.customer(row) }
        return nil
    }

    /// The customer with this id and their password hash.
    func findWithPassword(id: UUID, logger: Logger) async throws -> (Customer, String)? {
        let rows = try await database.client.query("SELECT \(unescaped: Self.columns) FROM customers WHERE id = \(id)", logger: logger)
        for try await row in rows.decode(Row.self) { return Self.customer(row) }
        return nil
    }

    func find(id: UUID, logger: Logger) async throws -> Customer? {
        try await findWithPassword(id: id, logger: logger)?.0
    }

    /// Stores a new refresh token, starting a family unless one is given.
    func store(_ token: OpaqueToken, customerID: UUID, family: UUID = UUID(), lifetime: TimeInterval,
               on connection: PostgresConnection? = nil, logger: Logger) async throws {
        let query: PostgresQuery = """
            INSERT INTO refresh_tokens (id, family_id, customer_id, token_hash, expires_at)
            VALUES (\(UUID()), \(family), \(customerID), \(OpaqueToken.hash(token.value)), now() + make_interval(secs => \(lifetime)))
            """
        if let connection { try await connection.query(query, logger: logger) } else { try await database.client.query(query, logger: logger) }
    }

    /// Exchanges a refresh token of a customer of `store` for `replacement` in the same
    /// family, once. A token of another store's customer is unknown here: it is left as it is.
    func rotate(_ presented: String, to replacement: OpaqueToken, lifetime: TimeInterval, store: StoreID, logger: Logger) async throws -> Rotation {
        let hash = OpaqueToken.hash(presented)
        return try await database.transaction(logger: logger) { connection in
            let rows = try await connection.query("""
                SELECT t.family_id, t.customer_id, t.rotated_at IS NOT NULL OR t.revoked_at IS NOT NULL, t.expires_at < now()
                FROM refresh_tokens t JOIN customers c ON c.id = t.customer_id
                WHERE t.token_hash = \(hash) AND c.store_id = \(store.uuid) FOR UPDATE OF t
                """, logger: logger)
            var found: (UUID, UUID, Bool, Bool)?
            for try await row in rows.decode((UUID, UUID, Bool, Bool).self) { found = row }
            guard let (family, customerID, used, expired) = found else { return .unknown }
            if used {
                try await connection.query(
                    "UPDATE refresh_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE family_id = \(family)", logger: logger)
                return .reused
            }
            if expired { return .expired }
            try await connection.query("UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = \(hash)", logger: logger)
            try await self.store(replacement, customerID: customerID, family: family, lifetime: lifetime, on: connection, logger: logger)
            return .rotated(customerID: customerID)
        }
    }

    /// Ends the session the token belongs to (its whole family).
    func revokeFamily(of presented: String, logger: Logger) async throws {
        let hash = OpaqueToken.hash(presented)
        try await database.client.query("""
            UPDATE refresh_tokens SET revoked_at = coalesce(revoked_at, now())
            WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = \(hash))
            """, logger: logger)
    }
}

extension CustomerStore {
    /// Blocks (with a reason) or unblocks a customer. Blocking also ends every session.
    func setBlocked(_ id: UUID, reason: String?, logger: Logger) async throws {
        try await database.transaction(logger: logger) { connection in
            if let reason {
                try await connection.query("""
                    UPDATE customers SET blocked_at = coalesce(blocked_at, now()), blocked_reason = \(reason), updated_at = now() WHERE id = \(id)
                    """, logger: logger)
                try await connection.query(
                    "UPDATE refresh_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE customer_id = \(id)", logger: logger)
            } else {
                try await connection.query(
                    "UPDATE customers SET blocked_at = NULL, blocked_reason = NULL, updated_at = now() WHERE id = \(id)", logger: logger)
            }
        }
    }
}
