@testable import Catalog
import EventContracts
import Foundation
import Logging
import Messaging
import Money
import Persistence
import PostgresNIO
import ServiceKit
import ServiceKitTestKit

/// The catalog's schema in a role and schema of its own, with the catalog's parts over it.
struct CatalogFixture {
    let schema: TestSchema
    let outbox: Outbox
    let logger = TestInfrastructure.logger

    /// Runs `body` with a fresh fixture and drops its schema afterwards, also when `body` throws.
    static func with<R>(_ body: (CatalogFixture) async throws -> R) async throws -> R {
        let fixture = try await make()
        return try await fixture.schema.dropping { _ in try await body(fixture) }
    }

    static func make() async throws -> CatalogFixture {
        let schema = try await TestSchema.create(prefix: "cat")
        let fixture = CatalogFixture(schema: schema, outbox: Outbox(topic: "unused", serviceName: "catalog", schema: schema.name))
        try await fixture.withDatabase { database in
            try await MigrationRunner(database: database, migrations: KitMigrations.all + CatalogMigrations.all)
                .migrate(logger: TestInfrastructure.logger)
        }
        return fixture
    }

    func withDatabase<R: Sendable>(_ body: @Sendable (Database) async throws -> R) async throws -> R {
        try await TestInfrastructure.withClient(schema.settings, body)
    }

    func parts(_ database: Database, lowStock: Int = 5, ttl: Duration = .seconds(1200)) -> (ProductStore, ReservationStore) {
        let inventory = StockStore(database: database, outbox: outbox, lowStockThreshold: lowStock)
        return (ProductStore(database: database, outbox: outbox, inventory: inventory),
                ReservationStore(inventory: inventory, outbox: outbox, lifetime: ttl, vouchers: VoucherStore(database: database)))
    }

    /// A published product with one variant per stock figure; returns the variant ids.
    func publishedProduct(_ catalog: ProductStore, stock: [Int], price: Int64 = 100_000) async throws -> [UUID] {
        let tag = UUID().uuidString.prefix(8).lowercased()
        let variants = stock.enumerated().map { index, onHand in
            ProductStore.NewVariant(sku: "T-\(tag)-\(index)", title: "\(index)", options: [:],
                                      price: Money(minorUnits: price, currency: .vnd), compareAtPrice: nil, onHand: onHand)
        }
        let id = try await catalog.create(.init(slug: "p-\(tag)", title: "Test \(tag)", description: "", imageUrls: [], categoryId: nil),
                                          variants: variants, staffId: nil, correlationId: "test", logger: logger)
        _ = try await catalog.setStatus(id, to: "published", correlationId: "test", logger: logger)
        let product = try await catalog.product(id: id, publishedOnly: false, logger: logger)
        return (product?.variants ?? []).sorted { $0.title < $1.title }.compactMap { UUID(uuidString: $0.id) }
    }

    func level(_ variant: UUID, on database: Database) async throws -> (onHand: Int, reserved: Int) {
        let rows = try await database.client.query("SELECT on_hand, reserved FROM variants WHERE id = \(variant)", logger: logger)
        for try await row in rows.decode((Int, Int).self) { return row }
        return (-1, -1)
    }

    /// The movement log's sums for a variant.
    func movementSums(_ variant: UUID, on database: Database) async throws -> (onHand: Int, reserved: Int, count: Int) {
        let rows = try await database.client.query("""
            SELECT coalesce(sum(on_hand_delta), 0)::int8, coalesce(sum(reserved_delta), 0)::int8, count(*)::int8
            FROM stock_movements WHERE variant_id = \(variant)
            """, logger: logger)
        for try await row in rows.decode((Int, Int, Int).self) { return row }
        return (0, 0, 0)
    }

    /// How many reservations exist, by status.
    func reservationCounts(on database: Database) async throws -> [String: Int] {
        let rows = try await database.client.query("SELECT status, count(*)::int8 FROM reservations GROUP BY status", logger: logger)
        var counts: [String: Int] = [:]
        for try await (status, count) in rows.decode((String, Int).self) { counts[status] = count }
        return counts
    }

    func events(of type: String, on database: Database) async throws -> [EventEnvelope] {
        let rows = try await database.client.query(
            "SELECT payload FROM outbox WHERE event_type = \(type) ORDER BY id", logger: logger)
        var result: [EventEnvelope] = []
        for try await payload in rows.decode(ByteBuffer.self) { result.append(try EventEnvelope.decode(Data(buffer: payload))) }
        return result
    }
}
