import Foundation
import Persistence
import ServiceKit

/// Creates the first admin when the shop has none: start-up work the gateway finishes before
/// it reports ready, so the admin can sign in as soon as it is.
///
/// Outside local development there is no default password: the admin is created from
/// `BOOTSTRAP_ADMIN_PASSWORD_HASH` (bcrypt), or else invited: a single-use link is printed once
/// on the gateway's standard error and only its hash is kept. `BOOTSTRAP_ADMIN_PASSWORD` (a
/// plain password, `admin-local-password` by default) is for local development only.
struct BootstrapAdmin: Sendable {
    enum Source: Sendable {
        case password(String)
        case passwordHash(String)
        case invitation(lifetime: TimeInterval, link: String?)
    }

    let environment: ServiceEnvironment
    let staff: StaffStore
    let hasher: PasswordHasher
    let email: String
    let source: Source

    /// Reads how the first admin is made; a plain password outside local development, or a
    /// hash that is not bcrypt, stops the start naming the variable.
    static func source(in environment: ServiceEnvironment) throws -> Source {
        let hash = environment.value("BOOTSTRAP_ADMIN_PASSWORD_HASH")
        let password = environment.value("BOOTSTRAP_ADMIN_PASSWORD")
        if !hash.isEmpty {
            guard let usable = Self.usableHash(hash) else {
                throw ConfigurationError(variable: "BOOTSTRAP_ADMIN_PASSWORD_HASH",
                                         reason: "expected a bcrypt hash ($2b$12$…, or htpasswd's $2y$), e.g. from `htpasswd -bnBC 12 '' '<password>' | tr -d ':\\n'`")
            }
            return .passwordHash(usable)
        }
        if !password.isEmpty {
            guard environment.configuration.localDevelopment else {
                throw ConfigurationError(variable: "BOOTSTRAP_ADMIN_PASSWORD",
                                         reason: "is read in local development only; give BOOTSTRAP_ADMIN_PASSWORD_HASH (bcrypt), or neither for a single-use invitation link")
            }
            return .password(password)
        }
        let hours = try environment.integer("BOOTSTRAP_INVITATION_TTL_HOURS", in: 1...720)
        return .invitation(lifetime: TimeInterval(hours * 3600), link: try environment.httpURL("ADMIN_INVITATION_URL", optional: true))
    }

    /// A bcrypt hash our verifier reads: `$2a$`/`$2b$` as given; `$2y$` (what htpasswd and PHP
    /// write: the same algorithm under another name) as `$2b$`; nil for anything else.
    static func usableHash(_ hash: String) -> String? {
        guard hash.range(of: #"^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$"#, options: .regularExpression) != nil else { return nil }
        return hash.hasPrefix("$2y$") ? "$2b$" + hash.dropFirst(4) : hash
    }

    func create() async throws {
        let logger = environment.logger
        switch source {
        case .password(let password):
            _ = try await staff.ensureFirstAdmin(email: email, .passwordHash(await hasher.hash(password)), logger: logger)
        case .passwordHash(let hash):
            _ = try await staff.ensureFirstAdmin(email: email, .passwordHash(hash), logger: logger)
        case .invitation(let lifetime, let link):
            // Shown once, after the invitation is committed; only its hash is kept.
            guard let token = try await staff.ensureFirstAdmin(email: email, .invitation(lifetime: lifetime), logger: logger) else { return }
            var lines = [
                "The shop has no admin yet. Invitation for \(email), single-use, valid \(Int(lifetime / 3600)) h, shown only this once",
                "(each gateway start while no admin has accepted makes another; accepting one voids them all):",
            ]
            if let link { lines.append("  \(link)?token=\(token.value)") }
            lines.append("  POST /api/admin/auth/accept-invitation {\"token\": \"\(token.value)\", \"password\": \"<8 to 72 bytes>\"}")
            let rule = String(repeating: "=", count: 100)
            FileHandle.standardError.write(Data(([rule] + lines + [rule]).joined(separator: "\n").appending("\n").utf8))
        }
    }
}
