import EventContracts
import Foundation
import ServiceKit

/// Signs the links fulfilment hands to customers (downloads, one-click unsubscribes): hex
/// HMAC-SHA256 of a message that names what the link is for, with `DOWNLOAD_LINK_SECRET`,
/// compared in constant time. Changing any part of the message breaks the signature.
struct LinkSigner: Sendable {
    private let secret: String

    /// Nil for an empty secret: such links would be forgeable.
    init?(secret: String) {
        guard !secret.isEmpty else { return nil }
        self.secret = secret
    }

    func signature(of message: String) -> String {
        TimestampedSignature.hexHMAC(Data(message.utf8), secret: secret)
    }

    func isValid(_ signature: String, of message: String) -> Bool {
        TimestampedSignature.isValid(signature, for: Data(message.utf8), secret: secret)
    }

    /// A download link's message: the grant, the second it stops working, and its store (the
    /// original store's links keep the form they had before stores).
    static func download(grant: UUID, expires: Int, store: StoreID = .original) -> String {
        store == .original ? "\(expires).\(grant.uuidString.lowercased())" : "\(expires).\(store).\(grant.uuidString.lowercased())"
    }

    /// An unsubscribe link's message: whose reminders stop.
    /// The original store's links keep the form they had before stores (links already sent stay valid).
    static func reminders(customer: UUID, store: StoreID = .original) -> String {
        store == .original ? "reminders:\(customer.uuidString.lowercased())" : "reminders:\(store):\(customer.uuidString.lowercased())"
    }
}
