import EventContracts
import Foundation
import Logging
import Persistence
import PostgresNIO

/// A service's own copy of the stores it serves (the kit's `store_settings` table): the
/// settings the registry announced, and whether the store is open.
public enum StoreCopies {
    /// Keeps `created`'s settings (again, if the event comes twice), as a store being set up.
    static func record(_ created: StoreCreated, on connection: PostgresConnection, logger: Logger) async throws {
        let settings = String(decoding: try EventCoding.encoder.encode(created.settings), as: UTF8.self)
        try await connection.query("""
            INSERT INTO store_settings (store_id, settings, status) VALUES (\(created.storeId.uuid), \(settings)::jsonb, 'provisioning')
            ON CONFLICT (store_id) DO UPDATE SET settings = EXCLUDED.settings, updated_at = now()
            """, logger: logger)
    }

    /// Replaces the store's settings with what its admins set (a change that arrives before the
    /// store's creation, out of order, changes nothing: both travel on the store's key, in order).
    static func replaceSettings(_ changed: StoreSettingsChanged, on connection: PostgresConnection, logger: Logger) async throws {
        let settings = String(decoding: try EventCoding.encoder.encode(changed.settings), as: UTF8.self)
        try await connection.query("""
            UPDATE store_settings SET settings = \(settings)::jsonb, updated_at = now() WHERE store_id = \(changed.storeId.uuid)
            """, logger: logger)
        // The transaction commits within moments; until then a read would see the old settings.
        ServedStores.memory.forget(changed.storeId, holdOff: .seconds(5))
    }

    /// Marks the store `active` or `suspended` (a status event before the store's creation, out
    /// of order, changes nothing: the registry announces creation first, on the same key).
    static func setStatus(_ changed: StoreStatusChanged, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            UPDATE store_settings SET status = \(changed.status), updated_at = now() WHERE store_id = \(changed.storeId.uuid)
            """, logger: logger)
    }

    /// Every store this service has a copy of, in any status.
    public static func storeIds(database: Database, logger: Logger) async throws -> [StoreID] {
        var ids: [StoreID] = []
        for try await id in try await database.client.pool.query(
            "SELECT store_id FROM store_settings ORDER BY store_id", logger: logger).decode(UUID.self) {
            ids.append(StoreID(id))
        }
        return ids
    }

    /// Whether this service has a copy of `store`.
    public static func knows(_ store: StoreID, database: Database, logger: Logger) async throws -> Bool {
        try await database.count("SELECT count(*)::int8 FROM store_settings WHERE store_id = \(store.uuid)", logger: logger) > 0
    }
}
