@testable import Catalog
import EventContracts
import Foundation
@testable import Messaging
import Persistence
import PostgresNIO
@testable import ServiceKit
import ServiceKitTestKit
import Testing

/// Consumer batches of different partitions that move the same variants' stock in opposite
/// orders: the reservation handler locks a batch's stock in variant order before applying
/// any of it, so they queue instead of deadlocking.
@Suite("Catalog: stock locked in one order per batch")
struct StockLockOrderTests {
    @Test("two batches reserving the same two variants in opposite orders both apply, with no deadlock")
    func crossedBatchesBothApply() async throws {
        try await CatalogFixture.with { fixture in
            try await fixture.withDatabase { database in
                let (catalog, reservations) = fixture.parts(database)
                let handler = CheckoutStock(reservations: reservations,
                                            carts: CartStore(database: database, outbox: fixture.outbox, vouchers: VoucherStore(database: database)))
                let variants = try await fixture.publishedProduct(catalog, stock: [10, 10])
                func submission(_ variant: UUID) throws -> EventEnvelope {
                    let checkout = CheckoutID.new()
                    return try EventEnvelope(CheckoutSubmitted(checkoutId: checkout, lines: [CheckoutLine(variantId: VariantID(variant), quantity: 1)]),
                                             subject: checkout.description, source: "test", correlationId: nil)
                }
                let batches = [try [submission(variants[1]), submission(variants[0])], try [submission(variants[0]), submission(variants[1])]]
                // Each batch waits, after its first event, until the other has applied its first
                // too (or two seconds pass): without the ordered locks they now hold one variant
                // each and want the other's.
                let atFirstEvent = LockedBox(0)
                let logger = fixture.logger
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for batch in batches {
                        group.addTask {
                            try await database.transaction(logger: logger) { connection in
                                try await handler.prepare(batch: try batch.map { try $0.decodeData(CheckoutSubmitted.self) }, on: connection, logger: logger)
                                try await handler.handle(EventContext(envelope: batch[0], connection: connection, logger: logger, outbox: fixture.outbox))
                                atFirstEvent.withLock { $0 += 1 }
                                let deadline = ContinuousClock.now + .seconds(2)
                                while atFirstEvent.value < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
                                try await handler.handle(EventContext(envelope: batch[1], connection: connection, logger: logger, outbox: fixture.outbox))
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                for variant in variants {
                    let level = try await fixture.level(variant, on: database)
                    #expect(level.onHand == 10 && level.reserved == 2, "\(level)")
                }
                #expect(try await fixture.events(of: InventoryReserved.eventType, on: database).count == 4)
            }
        }
    }
}
