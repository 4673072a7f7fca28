import EventContracts
import Foundation
import Hummingbird
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceKit

/// Proving an email address: a single-use, expiring token (stored as its SHA-256) travels to
/// the customer in an `EmailVerificationRequested` event (the notifications side emails it);
/// using it marks the account verified and announces `EmailVerified`, on which orders and
/// fulfilment give the customer the guest orders placed with that address. Only a verified
/// address does that: otherwise anyone registering with someone's email would see their orders.
struct EmailVerifications: Sendable {
    let database: Database
    let outbox: Outbox
    let lifetime: TimeInterval

    enum Outcome: Sendable { case done, invalid }

    /// A new token for the account, announced in the caller's transaction.
    func issue(customerID: UUID, email: String, name: String, correlationId: String,
               on connection: PostgresConnection, logger: Logger) async throws {
        let token = OpaqueToken.generate()
        let expiresAt = Date().addingTimeInterval(lifetime)
        try await connection.query("""
            INSERT INTO email_verifications (token_hash, customer_id, email, expires_at)
            VALUES (\(OpaqueToken.hash(token.value)), \(customerID), \(email), \(expiresAt))
            """, logger: logger)
        let subject = CustomerID(customerID)
        try await outbox.enqueue(EmailVerificationRequested(customerId: subject, email: email, name: name,
                                                            verificationToken: token.value, expiresAt: expiresAt),
                                 subject: subject, correlationId: correlationId, on: connection, logger: logger)
    }

    /// Sends the link again; false when the address is already verified.
    func resend(customerID: UUID, correlationId: String, logger: Logger) async throws -> Bool {
        try await database.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                "SELECT email, name FROM customers WHERE id = \(customerID) AND email_verified_at IS NULL FOR UPDATE", logger: logger)
            var found: (String, String)?
            for try await row in rows.decode((String, String).self) { found = row }
            guard let (email, name) = found else { return false }
            try await issue(customerID: customerID, email: email, name: name, correlationId: correlationId, on: connection, logger: logger)
            return true
        }
    }

    /// Uses a token once: the account's email is verified, if it is still the address the
    /// token was sent to.
    func confirm(token: String, correlationId: String, logger: Logger) async throws -> Outcome {
        try await database.transaction(logger: logger) { connection in
            let rows = try await connection.query("""
                WITH used AS (
                    UPDATE email_verifications SET used_at = now()
                    WHERE token_hash = \(OpaqueToken.hash(token)) AND used_at IS NULL AND expires_at > now()
                    RETURNING customer_id, email)
                UPDATE customers c SET email_verified_at = coalesce(c.email_verified_at, now())
                FROM used WHERE c.id = used.customer_id AND lower(c.email) = lower(used.email)
                RETURNING c.id, c.email
                """, logger: logger)
            var verified: (UUID, String)?
            for try await row in rows.decode((UUID, String).self) { verified = row }
            guard let (customerID, email) = verified else { return .invalid }
            let subject = CustomerID(customerID)
            try await outbox.enqueue(EmailVerified(customerId: subject, email: email), subject: subject, correlationId: correlationId,
                                     on: connection, logger: logger)
            logger.info("email verified", metadata: ["customer.id": "\(customerID)"])
            return .done
        }
    }
}
