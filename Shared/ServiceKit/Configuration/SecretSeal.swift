import Crypto
import Foundation
import Persistence

/// Seals secrets a service keeps in its database for the stores it serves (a store's card
/// provider key), with AES-GCM under the deployment's key (`CREDENTIALS_KEY`, 32 bytes in
/// base64 or base64url, as `--new-secret CREDENTIALS_KEY` makes it): a copy of the database
/// alone does not give them away. Each sealed value carries
/// its own nonce and tag; a value sealed under another key does not open.
public struct SecretSeal: Sendable {
    let key: SymmetricKey

    /// The seal for `CREDENTIALS_KEY`'s value; nil when it is empty (nothing can be sealed).
    public init?(base64 text: String, variable: String) throws {
        guard !text.isEmpty else { return nil }
        guard let bytes = Data(base64Encoded: text) ?? Base64URL.decode(text), bytes.count == 32 else {
            throw ConfigurationError(variable: variable, reason: "expected 32 bytes in base64")
        }
        key = SymmetricKey(data: bytes)
    }

    /// `secret` sealed: nonce, ciphertext and tag together.
    public func seal(_ secret: String) throws -> Data {
        guard let combined = try AES.GCM.seal(Data(secret.utf8), using: key).combined else { throw SealError() }
        return combined
    }

    /// The secret `sealed` holds; throws when it was sealed under another key or changed.
    public func open(_ sealed: Data) throws -> String {
        String(decoding: try AES.GCM.open(try AES.GCM.SealedBox(combined: sealed), using: key), as: UTF8.self)
    }

    struct SealError: Error {}

    /// What is wrong with a credential a store hands over (an API key, a signing secret), or
    /// nil: 16 to 255 characters without spaces.
    public static func credentialProblem(_ value: String) -> String? {
        (16...255).contains(value.count) && !value.contains(where: \.isWhitespace) ? nil : "must be 16 to 255 characters without spaces"
    }
}

extension Optional where Wrapped == SecretSeal {
    /// `secret` sealed for a store's row; 409 naming `field` when the deployment has no
    /// `CREDENTIALS_KEY` (it cannot keep the secret).
    public func sealing(_ secret: String, field: String) throws -> Data {
        guard let seal = self else {
            throw Problem(status: .conflict, type: "credentials-key-not-set", title: "This deployment cannot keep secrets yet.",
                          detail: "Set CREDENTIALS_KEY on this service to keep stores' credentials.",
                          errors: [.init(field: field, message: "cannot be kept without CREDENTIALS_KEY")])
        }
        return try seal.seal(secret)
    }

    /// The secret a store's row keeps sealed.
    public func opening(_ sealed: Data) throws -> String {
        guard let seal = self else { throw ConfigurationError(variable: "CREDENTIALS_KEY", reason: "stores' credentials are sealed but no key is set") }
        return try seal.open(sealed)
    }
}
