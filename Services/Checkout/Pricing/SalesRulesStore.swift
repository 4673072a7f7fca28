import EventContracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceKit

/// Each store's sales rules (`sales_rules`, one row per store that has its own), with the
/// service's settings for the original store until it sets its own. A new store is given
/// its row when it is provisioned. Read rules are kept in memory for `keptFor`
/// (``PerStoreMemory``): a checkout is priced without a query, a change made here is seen at
/// once, and other replicas see it within that time.
final class SalesRulesStore: Sendable {
    let database: Database
    /// The original store's rules, and what a new store starts from.
    let deployment: SalesRules
    private let kept: PerStoreMemory<SalesRules>

    init(database: Database, deployment: SalesRules, keptFor: Duration = .seconds(30)) {
        self.database = database
        self.deployment = deployment
        self.kept = PerStoreMemory(keptFor: keptFor)
    }

    /// The task's store's rules (``StoreScope``), read on `connection` when not known.
    func rules(on connection: PostgresConnection, logger: Logger) async throws -> SalesRules {
        try await kept.value(of: StoreScope.current ?? .original) { try await read(on: connection, logger: logger) }
    }

    /// ``rules(on:logger:)`` on a connection of its own, taken only when the rules are not in memory.
    func rules(logger: Logger) async throws -> SalesRules {
        try await kept.value(of: StoreScope.current ?? .original) {
            try await database.client.withConnection { try await read(on: $0, logger: logger) }
        }
    }

    private func read(on connection: PostgresConnection, logger: Logger) async throws -> SalesRules {
        let rows = try await connection.query("SELECT rules::text FROM sales_rules", logger: logger)
        for try await text in rows.decode(String.self) {
            return SalesRules(kept: try EventCoding.decoder.decode(SalesRules.Document.self, from: Data(text.utf8)))
        }
        return deployment
    }

    /// Sets the task's store's rules, whole; answers them as kept.
    func save(_ rules: SalesRules, by staff: UUID?, logger: Logger) async throws -> SalesRules.Document {
        try await database.client.withConnection { connection in
            try await write(rules, by: staff, on: connection, logger: logger)
        }
        kept.forget(StoreScope.current ?? .original)
        return try await self.rules(logger: logger).document
    }

    /// A new store's rules, in the transaction that provisions it (a repeat keeps what is there).
    func provision(currency: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await write(deployment.forNewStore(currency: currency), by: nil, replacing: false, on: connection, logger: logger)
    }

    private func write(_ rules: SalesRules, by staff: UUID?, replacing: Bool = true, on connection: PostgresConnection, logger: Logger) async throws {
        let text = String(decoding: try EventCoding.encoder.encode(rules.document), as: UTF8.self)
        if replacing {
            try await connection.query("""
                INSERT INTO sales_rules (rules, updated_by) VALUES (\(text)::jsonb, \(staff))
                ON CONFLICT (store_id) DO UPDATE SET rules = EXCLUDED.rules, updated_by = EXCLUDED.updated_by, updated_at = now()
                """, logger: logger)
        } else {
            try await connection.query("INSERT INTO sales_rules (rules) VALUES (\(text)::jsonb) ON CONFLICT (store_id) DO NOTHING", logger: logger)
        }
    }
}
