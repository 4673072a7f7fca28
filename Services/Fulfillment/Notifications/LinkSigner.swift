import Foundation
import ServiceKit

/// Signs and checks download links with the kit's ``TimestampedSignature`` scheme: hex
/// HMAC-SHA256 with `DOWNLOAD_LINK_SECRET` over `{expiry}.{grant id}`, compared in constant
/// time. A link names one grant (one file of one order) and the second it stops working;
/// changing either breaks the signature.
struct DownloadLink: Sendable {
    private let secret: String

    /// Nil for an empty secret: such links would be forgeable.
    init?(secret: String) {
        guard !secret.isEmpty else { return nil }
        self.secret = secret
    }

    func signature(grant: UUID, expires: Int) -> String {
        TimestampedSignature.sign(body: Data(grant.uuidString.lowercased().utf8), timestamp: expires, secret: secret)
    }

    func isValid(signature: String, grant: UUID, expires: Int) -> Bool {
        TimestampedSignature.sameSignature(signature, self.signature(grant: grant, expires: expires))
    }

    /// `expires=…&signature=…` for a grant that ends at `expiresAt`.
    func query(grant: UUID, expiresAt: Date) -> String {
        let expires = Int(expiresAt.timeIntervalSince1970)
        return "expires=\(expires)&signature=\(signature(grant: grant, expires: expires))"
    }
}
