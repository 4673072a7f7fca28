import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// Tokens handed out once (password resets, staff invitations): only their SHA-256 is stored,
/// with an expiry, and the first use spends them.
enum SingleUseTokens {
    /// Marks `token` used in `table` if it is there, unused and unexpired, and returns its row's
    /// `owner` column; nil when the token opens nothing.
    static func spend(_ token: String, in table: String, owner: String, on connection: PostgresConnection, logger: Logger) async throws -> UUID? {
        let rows = try await connection.query("""
            UPDATE \(unescaped: table) SET used_at = now()
            WHERE token_hash = \(OpaqueToken.hash(token)) AND used_at IS NULL AND expires_at > now()
            RETURNING \(unescaped: owner)
            """, logger: logger)
        var spentBy: UUID?
        for try await id in rows.decode(UUID.self) { spentBy = id }
        return spentBy
    }
}
