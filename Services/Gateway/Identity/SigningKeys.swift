import Crypto
import Foundation
import Persistence
import ServiceKit

/// The gateway's access-token keys: Ed25519 key pairs, each with a key id (`kid`), from
/// `JWT_KEYS` (`<kid>:<32-byte seed, base64url>` separated by commas). Tokens are signed with
/// one of them (`JWT_SIGNING_KEY_ID`, the first by default) and verified with any; a token
/// whose `kid` is not in the set (a retired key) does not verify.
///
/// Rotation (docs/operations.md): add the new key to the set everywhere, then make it the
/// signing key, then, once the access-token lifetime has passed, remove the old one.
struct SigningKeys: Sendable {
    struct Key: Sendable {
        let id: String
        let privateKey: Curve25519.Signing.PrivateKey
    }

    let keys: [Key]
    let signingKeyID: String

    var signing: Key { keys.first { $0.id == signingKeyID }! }

    /// Reads the set; anything malformed stops the start naming the variable.
    init(keySet: String, signingKeyID requested: String) throws {
        var keys: [Key] = []
        for entry in keySet.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[0].range(of: "^[A-Za-z0-9._-]{1,64}$", options: .regularExpression) != nil else {
                throw ConfigurationError(variable: "JWT_KEYS", reason: "expected <key id>:<seed> entries separated by commas (key ids of letters, digits, . _ -)")
            }
            guard let seed = Base64URL.decode(parts[1]), seed.count == 32,
                  let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
                throw ConfigurationError(variable: "JWT_KEYS", reason: "the key '\(parts[0])' is not a 32-byte Ed25519 seed in base64url; make one with `gateway --new-secret JWT_KEYS`")
            }
            guard !keys.contains(where: { $0.id == parts[0] }) else {
                throw ConfigurationError(variable: "JWT_KEYS", reason: "the key id '\(parts[0])' appears twice")
            }
            keys.append(Key(id: parts[0], privateKey: key))
        }
        guard let first = keys.first else { throw ConfigurationError(variable: "JWT_KEYS", reason: "holds no key") }
        let signingID = requested.isEmpty ? first.id : requested
        guard keys.contains(where: { $0.id == signingID }) else {
            throw ConfigurationError(variable: "JWT_SIGNING_KEY_ID", reason: "names '\(signingID)', which is not in JWT_KEYS")
        }
        self.keys = keys
        self.signingKeyID = signingID
    }
}
