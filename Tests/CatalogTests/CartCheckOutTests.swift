@testable import Catalog
import EventContracts
import Foundation
@testable import Messaging
import PostgresNIO
@testable import ServiceKit
import ServiceKitTestKit
import Testing

/// A submitted checkout takes its cart: the catalog closes the cart in the reservation's
/// transaction without a snapshot, refuses a submission for a cart that is no longer active,
/// and gives the cart back when the reservation is refused.
@Suite("Catalog: a checkout takes its cart")
struct CartCheckOutTests {
    @Test("a reserved checkout closes its cart silently; a second submission of that cart is refused with its status and reserves nothing; a refused one gives the cart back")
    func checkoutTakesCart() async throws {
        try await CatalogFixture.with { fixture in
            try await fixture.withDatabase { database in
                let (catalog, reservations) = fixture.parts(database)
                let carts = CartStore(database: database, outbox: fixture.outbox, vouchers: VoucherStore(database: database))
                let handler = CheckoutStock(reservations: reservations, carts: carts)
                let variant = try #require(try await fixture.publishedProduct(catalog, stock: [3]).first)
                let (opened, _) = try await carts.open(for: CartAccess(customerId: nil, token: nil), correlationId: "test", logger: fixture.logger)
                let cart = opened.id.uuid
                let access = CartAccess(customerId: nil, token: opened.cartToken)
                _ = try #require(try await carts.change(cart, .add(variant: variant, quantity: 2), access: access, correlationId: "test", logger: fixture.logger))
                let snapshotsBefore = try await fixture.events(of: CartUpdated.eventType, on: database).count

                func submit(_ quantity: Int) async throws -> CheckoutID {
                    let checkout = CheckoutID.new()
                    let envelope = try EventEnvelope(
                        CheckoutSubmitted(checkoutId: checkout, cartId: CartID(cart),
                                          lines: [CheckoutLine(variantId: VariantID(variant), quantity: quantity)]),
                        subject: checkout.description, source: "test", correlationId: nil)
                    try await database.transaction(logger: fixture.logger) { connection in
                        try await handler.prepare(batch: [try envelope.decodeData(CheckoutSubmitted.self)], on: connection, logger: fixture.logger)
                        try await handler.handle(EventContext(envelope: envelope, connection: connection, logger: fixture.logger, outbox: fixture.outbox))
                    }
                    return checkout
                }
                func rejection(of checkout: CheckoutID) async throws -> InventoryRejected? {
                    try await fixture.events(of: InventoryRejected.eventType, on: database)
                        .map { try $0.decodeData(InventoryRejected.self) }.first { $0.checkoutId == checkout }
                }
                func status() async throws -> Cart? {
                    try await carts.read(cart, access: access, correlationId: "test", logger: fixture.logger)
                }

                let tooMany = try await submit(5)
                #expect(try await rejection(of: tooMany)?.shortLines.first?.available == 3, "not enough stock: refused")
                #expect(try await status()?.status == "active", "a refused checkout gives the cart back")

                let first = try await submit(2)
                #expect(try await rejection(of: first) == nil)
                #expect(try await fixture.level(variant, on: database) == (3, 2))
                #expect(try await status()?.status == "checked_out")
                #expect(try await fixture.events(of: CartUpdated.eventType, on: database).count == snapshotsBefore,
                        "closing the cart publishes no snapshot: checkout knows from its own completed checkout")

                let second = try await submit(1)
                #expect(try await rejection(of: second)?.cartProblem == "checked_out", "a cart no longer active is refused, naming its status")
                #expect(try await fixture.level(variant, on: database) == (3, 2), "the refused submission reserved nothing")
            }
        }
    }
}
