import EventContracts
import Foundation
import Logging
import Persistence
import PostgresNIO

/// The settings of the stores this service serves, read from its own copy (`store_settings`,
/// kept by ``StoreProvisioning``) and kept in memory, so that the hot path (an order number, a
/// transfer's content) asks no query. The original store has no copy of its settings: it runs
/// on the service's own configuration, and ``settings(of:on:logger:)`` answers nil for it.
///
/// A store's settings change only through the registry's events, rarely. Every
/// `ServedStores` of a process shares one memory (``PerStoreMemory``): a kept answer is read
/// again after 30 s, and at once after this process applied the store's change
/// (``StoreCopies``).
public final class ServedStores: Sendable {
    /// The process's memory of its stores' settings.
    static let memory = PerStoreMemory<StoreSettings>(keptFor: .seconds(30), capacity: 10_000)
    private var kept: PerStoreMemory<StoreSettings> { Self.memory }

    public init() {}

    /// `store`'s settings, read on `connection` when not known; nil for the original store and
    /// for a store this service has no copy of.
    public func settings(of store: StoreID, on connection: PostgresConnection, logger: Logger) async throws -> StoreSettings? {
        guard store != .original else { return nil }
        if let known = kept.value(of: store) { return known }
        let now = ContinuousClock.now
        var settings: StoreSettings?
        let rows = try await connection.query("SELECT settings::text FROM store_settings WHERE store_id = \(store.uuid)", logger: logger)
        for try await text in rows.decode(String?.self) {
            settings = try text.map { try EventCoding.decoder.decode(StoreSettings.self, from: Data($0.utf8)) }
        }
        // A store this service has no copy of yet is asked about again next time: events of
        // other topics (an owner's invitation) may come before the store's creation does.
        guard let settings else { return nil }
        kept.keep(settings, for: store, readAt: now)
        return settings
    }

    /// ``settings(of:on:logger:)`` on a connection of its own.
    public func settings(of store: StoreID, database: Database, logger: Logger) async throws -> StoreSettings? {
        guard store != .original else { return nil }
        if let known = kept.value(of: store) { return known }
        return try await database.client.withConnection { try await settings(of: store, on: $0, logger: logger) }
    }
}
