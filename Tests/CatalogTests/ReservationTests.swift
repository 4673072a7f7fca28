@testable import Catalog
import EventContracts
import Foundation
import Persistence
import PostgresNIO
import ServiceKit
import ServiceKitTestKit
import Testing

/// Stock that never oversells: reservations under heavy concurrency, all-or-nothing
/// checkouts, and every way a reservation ends.
@Suite("Catalog: stock reservations")
struct ReservationTests {
    @Test("200 concurrent single-unit checkouts against 50 in stock: exactly 50 reserved, 150 rejected, available 0, movements add up")
    func noOversell() async throws {
        try await CatalogFixture.with { fixture in
            try await fixture.withDatabase { database in
                let (catalog, reservations) = fixture.parts(database, lowStock: 5)
                let variant = try #require(try await fixture.publishedProduct(catalog, stock: [50]).first)
                let outcomes = try await withThrowingTaskGroup(of: ReservationStore.Outcome.self) { group in
                    for _ in 0..<200 {
                        group.addTask {
                            try await database.transaction(logger: fixture.logger) { connection in
                                try await reservations.reserve(checkoutId: UUID(), lines: [CheckoutLine(variantId: VariantID(variant), quantity: 1)],
                                                               correlationId: nil, on: connection, logger: fixture.logger)
                            }
                        }
                    }
                    var all: [ReservationStore.Outcome] = []
                    for try await outcome in group { all.append(outcome) }
                    return all
                }
                let reserved = outcomes.filter { if case .reserved = $0 { true } else { false } }
                let rejected = outcomes.compactMap { if case .rejected(let lines) = $0 { lines } else { nil } }
                #expect(reserved.count == 50)
                #expect(rejected.count == 150)
                #expect(rejected.allSatisfy { $0.count == 1 && $0[0].available == 0 && $0[0].requested == 1 })
                let level = try await fixture.level(variant, on: database)
                #expect(level.onHand == 50 && level.reserved == 50, "available = 0, never negative")
                let sums = try await fixture.movementSums(variant, on: database)
                #expect(sums.onHand == 50 && sums.reserved == 50, "the movement log adds up to the levels")
                #expect(sums.count == 51, "one initial count and one movement per reservation")
                #expect(try await fixture.reservationCounts(on: database) == ["held": 50], "a rejected checkout keeps no reservation")
                let low = try await fixture.events(of: StockLow.eventType, on: database)
                #expect(low.count == 1, "stock-low is announced once, when available crosses the threshold")
                #expect(try low.first?.decodeData(StockLow.self).available == 5)
            }
        }
    }

    @Test("a store that sets its own low-stock threshold hears of low stock at its threshold; one that sets none at the deployment's")
    func storeThreshold() async throws {
        try await CatalogFixture.with { fixture in
            try await fixture.withDatabase { database in
                let (catalog, reservations) = fixture.parts(database, lowStock: 5)
                let (own, unset) = (StoreID.new(), StoreID.new())
                for (store, threshold) in [(own, 2), (unset, nil)] as [(StoreID, Int?)] {
                    let settings = StoreSettings(name: "S", slug: "s-\(store.uuid.uuidString.prefix(8).lowercased())", country: "VN", currency: "VND",
                                                 language: "vi", timeZone: "Asia/Ho_Chi_Minh", orderPrefix: "S", lowStockThreshold: threshold)
                    let text = String(decoding: try EventCoding.encoder.encode(settings), as: UTF8.self)
                    try await database.client.query(
                        "INSERT INTO store_settings (store_id, settings, status) VALUES (\(store.uuid), \(text)::jsonb, 'active')", logger: fixture.logger)
                }
                for store in [own, unset] {
                    let low = try await StoreScope.run(for: store) {
                        let variant = try #require(try await fixture.publishedProduct(catalog, stock: [8]).first)
                        for _ in 0..<7 {
                            _ = try await database.transaction(logger: fixture.logger) { connection in
                                try await reservations.reserve(checkoutId: UUID(), lines: [CheckoutLine(variantId: VariantID(variant), quantity: 1)],
                                                               correlationId: nil, on: connection, logger: fixture.logger)
                            }
                        }
                        return try await fixture.events(of: StockLow.eventType, on: database).map { try $0.decodeData(StockLow.self) }
                            .filter { $0.variantId == VariantID(variant) }
                    }
                    let expected = store == own ? 2 : 5
                    #expect(low.map(\.threshold) == [expected] && low.map(\.available) == [expected],
                            "announced once, when available reached \(expected): \(low)")
                }
            }
        }
    }

    @Test("a two-line checkout whose second line is short reserves nothing and says which line and how many are left")
    func allOrNothing() async throws {
        try await CatalogFixture.with { fixture in
            try await fixture.withDatabase { database in
                let (catalog, reservations) = fixture.parts(database)
                let variants = try await fixture.publishedProduct(catalog, stock: [10, 2])
                let checkout = UUID()
                let outcome = try await database.transaction(logger: fixture.logger) { connection in
                    try await reservations.reserve(checkoutId: checkout, lines: [
                        CheckoutLine(variantId: VariantID(variants[0]), quantity: 3),
                        CheckoutLine(variantId: VariantID(variants[1]), quantity: 5),
                    ], correlationId: nil, on: connection, logger: fixture.logger)
                }
                #expect(outcome == .rejected([ShortLine(variantId: VariantID(variants[1]), requested: 5, available: 2)]))
                #expect(try await fixture.level(variants[0], on: database) == (10, 0))
                #expect(try await fixture.level(variants[1], on: database) == (2, 0))
                #expect(try await fixture.movementSums(variants[0], on: database).count == 1, "no movement was kept for the rolled-back line")
                #expect(try await fixture.reservationCounts(on: database).isEmpty, "nor the reservation")

                let unknown = try await database.transaction(logger: fixture.logger) { connection in
                    try await reservations.reserve(checkoutId: UUID(), lines: [CheckoutLine(variantId: .new(), quantity: 1),
                                                                             CheckoutLine(variantId: .new(), quantity: 1)],
                                                   correlationId: nil, on: connection, logger: fixture.logger)
                }
                guard case .rejected(let short) = unknown else { Issue.record("unknown variants cannot be reserved"); return }
                #expect(short.count == 2 && short.allSatisfy { $0.available == 0 })
            }
        }
    }

    @Test("reserve → commit sells; reserve → close releases; a settled order cancelled restocks; redelivery holds nothing twice")
    func lifecycle() async throws {
        try await CatalogFixture.with { fixture in
            try await fixture.withDatabase { database in
                let (catalog, reservations) = fixture.parts(database)
                let variant = try #require(try await fixture.publishedProduct(catalog, stock: [10]).first)
                let line = [CheckoutLine(variantId: VariantID(variant), quantity: 4)]
                func transaction<R: Sendable>(_ body: @Sendable @escaping (PostgresConnection) async throws -> R) async throws -> R {
                    try await database.transaction(logger: fixture.logger) { try await body($0) }
                }
                let sold = UUID()
                for _ in 0..<2 {
                    _ = try await transaction { try await reservations.reserve(checkoutId: sold, lines: line, correlationId: nil, on: $0, logger: fixture.logger) }
                }
                #expect(try await fixture.level(variant, on: database) == (10, 4), "the same checkout reserved twice holds once")
                try await transaction { try await reservations.commit(checkoutId: sold, orderId: .new(), correlationId: nil, on: $0, logger: fixture.logger) }
                #expect(try await fixture.level(variant, on: database) == (6, 0), "sold: out of on hand and reserved")
                try await transaction { try await reservations.commit(checkoutId: sold, orderId: .new(), correlationId: nil, on: $0, logger: fixture.logger) }
                #expect(try await fixture.level(variant, on: database) == (6, 0), "a second settlement changes nothing")

                let closed = UUID()
                _ = try await transaction { try await reservations.reserve(checkoutId: closed, lines: line, correlationId: nil, on: $0, logger: fixture.logger) }
                #expect(try await fixture.level(variant, on: database) == (6, 4))
                try await transaction { _ = try await reservations.release(checkoutId: closed, reason: "payment_failed", correlationId: nil, on: $0, logger: fixture.logger) }
                #expect(try await fixture.level(variant, on: database) == (6, 0))

                try await transaction { try await reservations.cancel(checkoutId: sold, reason: "customer", correlationId: nil, on: $0, logger: fixture.logger) }
                #expect(try await fixture.level(variant, on: database) == (10, 0), "cancelling a settled order puts the goods back")
                let sums = try await fixture.movementSums(variant, on: database)
                #expect(sums.onHand == 10 && sums.reserved == 0)
                #expect(try await fixture.events(of: ReservationCommitted.eventType, on: database).isEmpty, "a sale in full is news to nobody")
                #expect(try await fixture.events(of: ReservationReleased.eventType, on: database).count == 2)
            }
        }
    }

    @Test("a reservation nobody settles is released by the sweeper, with an event; payment after that takes what is left and reports the rest")
    func expiry() async throws {
        try await CatalogFixture.with { fixture in
            try await fixture.withDatabase { database in
                let (catalog, reservations) = fixture.parts(database, ttl: .seconds(600))
                let variant = try #require(try await fixture.publishedProduct(catalog, stock: [3]).first)
                let checkout = UUID()
                _ = try await database.transaction(logger: fixture.logger) { connection in
                    try await reservations.reserve(checkoutId: checkout, lines: [CheckoutLine(variantId: VariantID(variant), quantity: 3)],
                                                   correlationId: nil, on: connection, logger: fixture.logger)
                }
                #expect(try await reservations.releaseExpired(database: database, logger: fixture.logger) == 0, "not yet expired")
                // Time passes (moved, not waited for, so a loaded machine cannot blur it).
                try await database.client.query(
                    "UPDATE reservations SET expires_at = now() - interval '1 second' WHERE checkout_id = \(checkout)", logger: fixture.logger)
                #expect(try await reservations.releaseExpired(database: database, logger: fixture.logger) == 1)
                #expect(try await fixture.level(variant, on: database) == (3, 0))
                let released = try await fixture.events(of: ReservationReleased.eventType, on: database)
                #expect(try released.first?.decodeData(ReservationReleased.self).reason == "expired")

                // Someone else buys 2 of the 3; then the late payment arrives.
                _ = try await database.transaction(logger: fixture.logger) { connection in
                    try await reservations.reserve(checkoutId: UUID(), lines: [CheckoutLine(variantId: VariantID(variant), quantity: 2)],
                                                   correlationId: nil, on: connection, logger: fixture.logger)
                }
                try await database.transaction(logger: fixture.logger) { connection in
                    try await reservations.commit(checkoutId: checkout, orderId: .new(), correlationId: nil, on: connection, logger: fixture.logger)
                }
                let committed = try #require(try await fixture.events(of: ReservationCommitted.eventType, on: database).first)
                let short = try committed.decodeData(ReservationCommitted.self).shortLines
                #expect(short == [ShortLine(variantId: VariantID(variant), requested: 3, available: 1)], "the shortfall is reported, stock never negative")
                #expect(try await fixture.level(variant, on: database) == (3, 2))
            }
        }
    }
}
