import Crypto
import EventContracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceKit
import Hummingbird

/// Each store's payment accounts (`payment_accounts`, one row per store that set its own),
/// with the original store's from the service's settings beneath its row. Card secrets are
/// kept sealed (``SecretSeal``, `CREDENTIALS_KEY`); the SePay key only as a digest. Read
/// accounts are kept in memory for `keptFor` (``PerStoreMemory``) (a change made here is seen at once; other
/// replicas see it within that time).
final class PaymentAccountStore: Sendable {
    let database: Database
    /// The original store's accounts from the service's settings.
    let deployment: PaymentAccounts
    let seal: SecretSeal?
    /// The first word of every transfer content (`DH`): the deployment's.
    let contentPrefix: String
    private let kept: PerStoreMemory<PaymentAccounts>

    init(database: Database, deployment: PaymentAccounts, seal: SecretSeal?, contentPrefix: String, keptFor: Duration = .seconds(30)) {
        self.database = database
        self.deployment = deployment
        self.seal = seal
        self.contentPrefix = contentPrefix
        self.kept = PerStoreMemory(keptFor: keptFor)
    }

    /// What a store sets; nil fields keep what it had.
    struct Change: Sendable {
        var bank: PaymentStore.BankAccount?
        var sepayKey: String?
        var cardSecretKey: String?
        var cardWebhookSecret: String?
    }

    /// The task's store's accounts (``StoreScope``), read on `connection` when not known.
    func accounts(on connection: PostgresConnection, logger: Logger) async throws -> PaymentAccounts {
        try await kept.value(of: StoreScope.current ?? .original) { try await effective(on: connection, logger: logger) }
    }

    /// ``accounts(on:logger:)`` on a connection of its own, taken only when the accounts are not in memory.
    func accounts(logger: Logger) async throws -> PaymentAccounts {
        try await kept.value(of: StoreScope.current ?? .original) {
            try await database.client.withConnection { try await effective(on: $0, logger: logger) }
        }
    }

    /// The task's store's own accounts; the original store's over the service's settings.
    private func effective(on connection: PostgresConnection, logger: Logger) async throws -> PaymentAccounts {
        let own = try await read(on: connection, logger: logger)
        return (StoreScope.current ?? .original) == .original ? deployment.overlaid(with: own ?? .none) : own ?? .none
    }

    /// Sets the task's store's accounts (only what `change` gives); answers what is set now.
    func save(_ change: Change, by staff: UUID?, logger: Logger) async throws -> View {
        let sealedKey = try change.cardSecretKey.map { try seal.sealing($0, field: "card_secret_key") }
        let sealedSecret = try change.cardWebhookSecret.map { try seal.sealing($0, field: "card_webhook_secret") }
        let digest = change.sepayKey.map { PaymentAccounts.sepayDigest(ofKey: $0) }
        try await database.client.query("""
            INSERT INTO payment_accounts (bank_bin, bank_account_number, bank_account_name, sepay_header_digest,
                                          card_secret_key_sealed, card_webhook_secret_sealed, updated_by)
            VALUES (\(change.bank?.bin), \(change.bank?.number), \(change.bank?.name), \(digest.map { ByteBuffer(data: $0) }),
                    \(sealedKey.map { ByteBuffer(data: $0) }), \(sealedSecret.map { ByteBuffer(data: $0) }), \(staff))
            ON CONFLICT (store_id) DO UPDATE SET
                bank_bin = coalesce(EXCLUDED.bank_bin, payment_accounts.bank_bin),
                bank_account_number = coalesce(EXCLUDED.bank_account_number, payment_accounts.bank_account_number),
                bank_account_name = coalesce(EXCLUDED.bank_account_name, payment_accounts.bank_account_name),
                sepay_header_digest = coalesce(EXCLUDED.sepay_header_digest, payment_accounts.sepay_header_digest),
                card_secret_key_sealed = coalesce(EXCLUDED.card_secret_key_sealed, payment_accounts.card_secret_key_sealed),
                card_webhook_secret_sealed = coalesce(EXCLUDED.card_webhook_secret_sealed, payment_accounts.card_webhook_secret_sealed),
                updated_by = EXCLUDED.updated_by, updated_at = now()
            """, logger: logger)
        let store = StoreScope.current ?? .original
        kept.forget(store)
        return try await view(logger: logger)
    }

    /// What the task's store has set, without any secret.
    struct View: ResponseCodable {
        var bankBin: String?
        var bankAccountNumber: String?
        var bankAccountName: String?
        var sepayApiKeySet: Bool
        var cardSecretKeySet: Bool
        var cardWebhookSecretSet: Bool
        /// Where the providers post this store's webhooks, on the payments webhook listener.
        var sepayWebhookPath: String
        var cardWebhookPath: String
    }

    func view(logger: Logger) async throws -> View {
        let accounts = try await accounts(logger: logger)
        let store = StoreScope.current ?? .original
        return View(bankBin: accounts.bank?.bin, bankAccountNumber: accounts.bank?.number, bankAccountName: accounts.bank?.name,
                    sepayApiKeySet: accounts.sepayHeaderDigest != nil, cardSecretKeySet: accounts.cardSecretKey != nil,
                    cardWebhookSecretSet: accounts.cardWebhookSecret != nil,
                    sepayWebhookPath: "/stores/\(store)/webhooks/sepay", cardWebhookPath: "/stores/\(store)/webhooks/stripe")
    }

    private func read(on connection: PostgresConnection, logger: Logger) async throws -> PaymentAccounts? {
        let rows = try await connection.query("""
            SELECT bank_bin, bank_account_number, bank_account_name, sepay_header_digest, card_secret_key_sealed, card_webhook_secret_sealed
            FROM payment_accounts
            """, logger: logger)
        for try await (bin, number, name, digest, key, secret)
            in rows.decode((String?, String?, String?, ByteBuffer?, ByteBuffer?, ByteBuffer?).self) {
            var accounts = PaymentAccounts()
            if let bin, let number {
                accounts.bank = .init(bin: bin, number: number, name: name ?? "", contentPrefix: contentPrefix)
            }
            accounts.sepayHeaderDigest = digest.map { Data($0.readableBytesView) }
            accounts.cardSecretKey = try key.map { try seal.opening(Data($0.readableBytesView)) }
            accounts.cardWebhookSecret = try secret.map { try seal.opening(Data($0.readableBytesView)) }
            return accounts
        }
        return nil
    }
}
