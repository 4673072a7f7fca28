import Crypto
import Foundation

/// Signs a delivery the Standard Webhooks way (standardwebhooks.com): the secret is
/// `whsec_` + base64 key bytes; the signature is `v1,` + base64 of HMAC-SHA256 over
/// `{webhook-id}.{webhook-timestamp}.{body}`, sent as `webhook-signature`.
struct WebhookSignature: Sendable {
    static let prefix = "whsec_"
    let key: SymmetricKey

    /// Nil when `secret` is not `whsec_` + base64 of 24 to 64 bytes.
    init?(secret: String) {
        guard secret.hasPrefix(Self.prefix), let bytes = Data(base64Encoded: String(secret.dropFirst(Self.prefix.count))),
              (24...64).contains(bytes.count) else { return nil }
        key = SymmetricKey(data: bytes)
    }

    /// A new random secret in the Standard Webhooks format.
    static func newSecret() -> String {
        prefix + Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64EncodedString()
    }

    func sign(id: String, timestamp: Int, body: Data) -> String {
        var signed = Data("\(id).\(timestamp).".utf8)
        signed.append(body)
        return "v1," + Data(HMAC<SHA256>.authenticationCode(for: signed, using: key)).base64EncodedString()
    }
}
