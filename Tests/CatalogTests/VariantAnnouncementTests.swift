@testable import Catalog
import EventContracts
import Foundation
import Persistence
import PostgresNIO
import ServiceKit
import ServiceKitTestKit
import Testing

/// Product events tell the variants on sale (checkout keeps a copy of them): a product
/// published before they did is announced again once, with its variants.
@Suite("Catalog: variants in product events")
struct VariantAnnouncementTests {
    @Test("publishing tells the variants; a product published before that is announced once by the backfill, then not again")
    func backfill() async throws {
        try await CatalogFixture.with { fixture in
            try await fixture.withDatabase { database in
                let (catalog, _) = fixture.parts(database)
                let variants = try await fixture.publishedProduct(catalog, stock: [3, 4])
                let published = try await fixture.events(of: ProductPublished.eventType, on: database)
                let told = try #require(published.last).decodeData(ProductPublished.self).product.variants ?? []
                #expect(Set(told.map(\.variantId.uuid)) == Set(variants) && told.allSatisfy { !$0.digital && $0.price.minorUnits == 100_000 })
                #expect(try await catalog.announceVariants(logger: fixture.logger) == 0, "nothing left untold")

                // As a product published before events carried variants.
                try await database.client.query("UPDATE products SET variants_announced = false", logger: fixture.logger)
                #expect(try await catalog.announceVariants(logger: fixture.logger) == 1)
                let updated = try await fixture.events(of: ProductUpdated.eventType, on: database)
                #expect(updated.count == 1)
                let retold = try updated.first.map { try $0.decodeData(ProductUpdated.self).product.variants?.count }
                #expect(retold == 2)
                #expect(try await catalog.announceVariants(logger: fixture.logger) == 0, "announced once")
            }
        }
    }
}
