import Dispatch
import HummingbirdBcrypt
import ServiceKit

/// bcrypt with a configurable cost. Hashing takes a quarter of a second at cost 12 by
/// design, so it runs on a Dispatch queue, never on an event loop or the cooperative pool.
struct PasswordHasher: Sendable {
    let cost: UInt8
    private static let queue = DispatchQueue(label: "commerce.gateway.bcrypt", attributes: .concurrent)
    /// Verified against when the email is unknown, so both answers take as long.
    private static let decoy = Bcrypt.hash("decoy-password-for-timing", cost: 4)

    func hash(_ password: String) async -> String {
        let cost = self.cost
        return await withCheckedContinuation { continuation in
            Self.queue.async { continuation.resume(returning: Bcrypt.hash(password, cost: cost)) }
        }
    }

    /// The account whose password this is, or the one 401 problem for an unknown email and a
    /// wrong password alike (same work either way).
    func authenticate<Account>(_ password: String, account found: (Account, String)?) async throws -> Account {
        guard await verify(password, against: found?.1), let (account, _) = found else {
            throw Problem(status: .unauthorized, type: "invalid-credentials", title: "Email or password is wrong.")
        }
        return account
    }

    func verify(_ password: String, against hash: String?) async -> Bool {
        let target = hash ?? Self.decoy
        let matches = await withCheckedContinuation { continuation in
            Self.queue.async { continuation.resume(returning: Bcrypt.verify(password, hash: target)) }
        }
        return hash != nil && matches
    }
}
