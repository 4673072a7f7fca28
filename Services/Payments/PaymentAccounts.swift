import Crypto
import Foundation

/// How a store is paid: the bank account its transfers go to, the key SePay sends with the
/// store's transfer notices, and its card provider account (secret API key, webhook signing
/// secret). Each store has its own; the original store's are the service's settings unless
/// its admins set their own. A store without a bank account or card keys cannot take that
/// payment method: its payments fail at opening, and no money goes to another store's account.
struct PaymentAccounts: Sendable {
    var bank: PaymentStore.BankAccount?
    /// An HMAC-SHA-256 of `Apikey <key>`, the whole header SePay sends (the key itself is not kept).
    var sepayHeaderDigest: Data?
    var cardSecretKey: String?
    var cardWebhookSecret: String?

    static let none = PaymentAccounts()

    /// Whether `header` is `Apikey <the store's key>`, compared without leaking where it differs.
    func sepayAuthorizes(_ header: String?) -> Bool {
        guard let expected = sepayHeaderDigest, let header else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(expected, authenticating: Data(header.utf8), using: Self.sepayLabel)
    }

    /// What is kept of a SePay key.
    static func sepayDigest(ofKey key: String) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data("Apikey \(key)".utf8), using: sepayLabel))
    }

    private static let sepayLabel = SymmetricKey(data: Data("commerce: a store's SePay webhook key".utf8))

    /// These accounts with whatever `other` sets laid over them.
    func overlaid(with other: PaymentAccounts) -> PaymentAccounts {
        PaymentAccounts(bank: other.bank ?? bank, sepayHeaderDigest: other.sepayHeaderDigest ?? sepayHeaderDigest,
                        cardSecretKey: other.cardSecretKey ?? cardSecretKey, cardWebhookSecret: other.cardWebhookSecret ?? cardWebhookSecret)
    }
}
