import EventContracts
import Foundation
import Hummingbird
import Logging
import Persistence
import PostgresNIO
import ServiceKit

/// Each store's POS account (`pos_accounts`, one row per store that connected its own), with
/// the original store's from the service's settings while it has none. The API key and
/// webhook secret are kept sealed (``SecretSeal``, `CREDENTIALS_KEY`) and never shown back.
/// Read accounts are kept in memory for `keptFor` (``PerStoreMemory``): a change made here is
/// seen at once, other replicas see it within that time.
final class PosAccountStore: Sendable {
    let database: Database
    /// The original store's account from the service's settings, if any.
    let deployment: PosAccount?
    let seal: SecretSeal?
    private let kept: PerStoreMemory<PosAccount?>

    init(database: Database, deployment: PosAccount?, seal: SecretSeal?, keptFor: Duration = .seconds(30)) {
        self.database = database
        self.deployment = deployment
        self.seal = seal
        self.kept = PerStoreMemory(keptFor: keptFor)
    }

    /// The task's store's account (``StoreScope``), read on `connection` when not known; nil
    /// when the store has none.
    func account(on connection: PostgresConnection, logger: Logger) async throws -> PosAccount? {
        try await kept.value(of: StoreScope.current ?? .original) { try await read(on: connection, logger: logger) }
    }

    /// ``account(on:logger:)`` on a connection of its own, taken only when the account is not in memory.
    func account(logger: Logger) async throws -> PosAccount? {
        try await kept.value(of: StoreScope.current ?? .original) {
            try await database.client.withConnection { try await read(on: $0, logger: logger) }
        }
    }

    /// An account whose secrets do not open (sealed under another `CREDENTIALS_KEY`).
    struct Unreadable: Error, CustomStringConvertible {
        var description: String
    }

    private func read(on connection: PostgresConnection, logger: Logger) async throws -> PosAccount? {
        let rows = try await connection.query("SELECT api_key_sealed, shop_id, webhook_secret_sealed FROM pos_accounts", logger: logger)
        for try await (key, shop, secret) in rows.decode((ByteBuffer, String, ByteBuffer).self) {
            do {
                return PosAccount(apiKey: try seal.opening(Data(key.readableBytesView)), shopId: shop,
                                  webhookSecret: try seal.opening(Data(secret.readableBytesView)))
            } catch {
                throw Unreadable(description: "the store's POS account does not open: \(error)")
            }
        }
        return (StoreScope.current ?? .original) == .original ? deployment : nil
    }

    /// Connects the task's store to its POS account (all three parts at once).
    func save(_ account: PosAccount, by staff: UUID?, logger: Logger) async throws -> View {
        let key = try seal.sealing(account.apiKey, field: "api_key")
        let secret = try seal.sealing(account.webhookSecret, field: "webhook_secret")
        try await database.client.query("""
            INSERT INTO pos_accounts (api_key_sealed, shop_id, webhook_secret_sealed, updated_by)
            VALUES (\(ByteBuffer(data: key)), \(account.shopId), \(ByteBuffer(data: secret)), \(staff))
            ON CONFLICT (store_id) DO UPDATE SET api_key_sealed = EXCLUDED.api_key_sealed, shop_id = EXCLUDED.shop_id,
                webhook_secret_sealed = EXCLUDED.webhook_secret_sealed, updated_by = EXCLUDED.updated_by, updated_at = now()
            """, logger: logger)
        kept.forget(StoreScope.current ?? .original)
        return try await view(logger: logger)
    }

    /// What the task's store has connected, without its secrets.
    struct View: ResponseEncodable {
        var connected: Bool
        var shopId: String?
        /// Where the POS posts this store's webhooks, on the fulfilment webhook listener.
        var webhookPath: String
    }

    func view(logger: Logger) async throws -> View {
        let account = try await account(logger: logger)
        return View(connected: account != nil, shopId: account?.shopId, webhookPath: "/stores/\(StoreScope.current ?? .original)/webhooks/pos")
    }
}
