@testable import Checkout
import EventContracts
import Foundation
import Messaging
import Money
import Persistence
import PostgresNIO
import ServiceKit
import ServiceKitTestKit
import Testing

/// A checkout page's figures under concurrency, against real PostgreSQL: each is counted in
/// the transaction of what it counts, so none is lost however many buyers finish at once.
@Suite("Checkout: page figures")
struct PageStatisticsTests {
    let logger = TestInfrastructure.logger

    @Test("200 checkouts on one page completing at once: 200 started, 200 conversions, the revenue their sum; a visitor counted once a day")
    func concurrentConversions() async throws {
        let schema = try await TestSchema.create(prefix: "chk")
        try await schema.dropping { schema in
            try await TestInfrastructure.withClient(schema.settings) { database in
                try await MigrationRunner(database: database, migrations: KitMigrations.all + CheckoutMigrations.all).migrate(logger: logger)
                let outbox = Outbox(topic: "unused", serviceName: "checkout", schema: schema.name)
                let sessions = CheckoutStore(database: database, outbox: outbox,
                                             changes: ChangeFeed(named: "changed", database: database, logger: logger))
                let pages = CheckoutPageStore(database: database, offers: OfferStore(database: database))
                let page = try await pages.create(slug: "tet", title: "Tết", content: PageContent(), by: nil, logger: logger)
                let variant = VariantID.new()
                let request = CheckoutRequest(items: [.init(variantId: variant.description, quantity: 1)],
                                              contact: ContactDetails(name: "Lan", email: "lan@example.vn", phone: "0912345678"),
                                              shippingAddress: ShippingAddress(country: "VN", line1: "1 Phố Huế", ward: "Phường Hai Bà Trưng", province: "Hà Nội"),
                                              paymentMethod: "cod")
                let basket = Basket(cartId: nil, cartVersion: nil, customerId: nil, currency: "VND", voucherCode: nil,
                                    lines: [CheckoutLine(variantId: variant, quantity: 1)], digitalOnly: false)

                // 200 buyers start and are reserved, each at its own price.
                var checkouts: [(UUID, Int64)] = []
                for index in 0..<200 {
                    let id = UUID()
                    let total = Money(minorUnits: 100_000 + Int64(index), currency: .vnd)
                    let line = PricedLine(variantId: variant, productId: .new(), sku: "TET", title: "Tết", quantity: 1, unitPrice: total, lineTotal: total)
                    let price = PriceBreakdown(subtotal: total, discount: .zero(.vnd), shipping: .zero(.vnd), tax: .zero(.vnd), taxInclusive: true,
                                               total: total)
                    try await database.transaction(logger: logger) { connection in
                        _ = try await sessions.submit(request, id: id, basket: basket, caller: .guest, guestTokenDigest: nil,
                                                      page: page.reference, answers: [], correlationId: nil, on: connection, logger: logger)
                        try await sessions.reserve(id, lines: [line], price: price, dueBy: nil, on: connection, logger: logger)
                    }
                    checkouts.append((id, total.minorUnits))
                }

                // All complete at once, each in its own transaction, twice over (a redelivery counts nothing).
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (id, _) in checkouts + checkouts {
                        group.addTask {
                            try await database.transaction(logger: logger) { connection in
                                _ = try await sessions.completeCashOnDelivery(id, order: UUID(), number: "SHOP-X", on: connection, logger: logger)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let figures = try #require(try await pages.find(page.id.uuid, logger: logger)?.statistics)
                #expect(figures.checkoutsStarted == 200 && figures.conversions == 200, "\(figures)")
                #expect(figures.revenue == [Money(minorUnits: checkouts.reduce(0) { $0 + $1.1 }, currency: .vnd)])

                // A visitor is one view a day, however often they look; another is another.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for visitor in Array(repeating: "10.0.0.1 Firefox", count: 20) + ["10.0.0.2 Firefox"] {
                        group.addTask { try await pages.recordView(of: page.id.uuid, visitor: visitor, logger: logger) }
                    }
                    try await group.waitForAll()
                }
                let viewed = try #require(try await pages.find(page.id.uuid, logger: logger)?.statistics)
                #expect(viewed.views == 2 && viewed.conversionRate == 100, "\(viewed)")
                let kept = try await database.client.query("SELECT count(*)::int FROM checkout_page_visits WHERE position(convert_to('10.0.0', 'UTF8') in visitor) > 0 OR length(visitor) <> 32",
                                                           logger: logger)
                for try await count in kept.decode(Int.self) { #expect(count == 0, "no address is kept, only a salted digest") }
            }
        }
    }
}
