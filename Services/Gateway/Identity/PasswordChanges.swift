import EventContracts
import Foundation
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceKit

/// Changing a password, and resetting a forgotten one with a single-use, expiring token that
/// reaches the customer through a `PasswordResetRequested` event (the notifications side
/// emails it). Either way every session of the customer ends.
struct PasswordChanges: Sendable {
    let database: Database
    let outbox: Outbox
    let resetLifetime: TimeInterval

    enum ResetOutcome: Sendable { case done, invalid }

    func setPassword(customerID: UUID, hash: String, logger: Logger) async throws {
        try await database.transaction(logger: logger) { connection in
            try await Self.replace(customerID: customerID, hash: hash, on: connection, logger: logger)
        }
    }

    /// Records a reset for the account with this email and publishes the event in the same
    /// transaction. Does nothing for an unknown email (the caller answers the same either way).
    func requestReset(email: String, store: StoreID, correlationId: String, logger: Logger) async throws {
        let token = OpaqueToken.generate()
        try await database.transaction(logger: logger) { connection in
            let rows = try await connection.query("""
                SELECT id, email, name FROM customers WHERE store_id = \(store.uuid) AND lower(email) = lower(\(email)) AND blocked_at IS NULL
                """, logger: logger)
            var found: (UUID, String, String)?
            for try await row in rows.decode((UUID, String, String).self) { found = row }
            guard let (customerID, storedEmail, name) = found else { return }
            let expiresAt = Date().addingTimeInterval(resetLifetime)
            try await connection.query("""
                INSERT INTO password_resets (token_hash, customer_id, expires_at)
                VALUES (\(OpaqueToken.hash(token.value)), \(customerID), \(expiresAt))
                """, logger: logger)
            try await outbox.enqueue(
                PasswordResetRequested(customerId: CustomerID(customerID), email: storedEmail, name: name,
                                       resetToken: token.value, expiresAt: expiresAt),
                subject: customerID.uuidString.lowercased(), correlationId: correlationId, on: connection, logger: logger)
            logger.info("password reset requested", metadata: ["customer.id": "\(customerID)"])
        }
    }

    /// Uses a reset token once: sets the new password and ends every session.
    func completeReset(token: String, hash: String, logger: Logger) async throws -> ResetOutcome {
        try await database.transaction(logger: logger) { connection in
            guard let customerID = try await SingleUseTokens.spend(token, in: "password_resets", owner: "customer_id", on: connection, logger: logger)
            else { return .invalid }
            try await Self.replace(customerID: customerID, hash: hash, on: connection, logger: logger)
            return .done
        }
    }

    private static func replace(customerID: UUID, hash: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE customers SET password_hash = \(hash), updated_at = now() WHERE id = \(customerID)", logger: logger)
        try await connection.query(
            "UPDATE refresh_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE customer_id = \(customerID)", logger: logger)
    }
}
