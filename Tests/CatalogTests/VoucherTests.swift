@testable import Catalog
import EventContracts
import Foundation
import Money
import PostgresNIO
import ServiceKit
import ServiceKitTestKit
import Testing

@Suite("Catalog: vouchers")
struct VoucherTests {
    private func voucher(_ kind: Voucher.Kind, percent: Int? = nil, amount: Money? = nil, minimum: Money? = nil, maximum: Money? = nil,
                         starts: Date? = nil, ends: Date? = nil, limit: Int? = nil, perCustomer: Int? = nil, used: Int = 0,
                         active: Bool = true) -> Voucher {
        Voucher(id: UUID().uuidString, code: "TEST", kind: kind, percent: percent, amount: amount, minimumSubtotal: minimum,
                maximumDiscount: maximum, startsAt: starts, endsAt: ends, usageLimit: limit, perCustomerLimit: perCustomer,
                usedCount: used, active: active)
    }

    private let subtotal = Money(minorUnits: 455_000, currency: .vnd)

    @Test("percentage rounds half away from zero and respects its cap; fixed amounts never exceed the subtotal")
    func amounts() throws {
        #expect(try voucher(.percentage, percent: 10).discount(on: subtotal, customerUses: nil).get() == Money(minorUnits: 45_500, currency: .vnd))
        #expect(try voucher(.percentage, percent: 15).discount(on: Money(minorUnits: 1999, currency: .usd), customerUses: nil).get().minorUnits == 300)
        #expect(try voucher(.percentage, percent: 50, maximum: Money(minorUnits: 100_000, currency: .vnd))
            .discount(on: subtotal, customerUses: nil).get().minorUnits == 100_000)
        #expect(try voucher(.fixed, amount: Money(minorUnits: 500_000, currency: .vnd)).discount(on: subtotal, customerUses: nil).get() == subtotal)
        #expect(throws: Voucher.Refusal.currency) { try voucher(.fixed, amount: Money(minorUnits: 5, currency: .usd)).discount(on: subtotal, customerUses: nil).get() }
    }

    @Test("each reason a voucher does not apply is named")
    func refusals() {
        let now = Date()
        func refusal(_ voucher: Voucher, uses: Int? = nil) -> Voucher.Refusal? {
            if case .failure(let reason) = voucher.discount(on: subtotal, customerUses: uses, now: now) { return reason }
            return nil
        }
        #expect(refusal(voucher(.percentage, percent: 5, starts: now.addingTimeInterval(60))) == .notStarted)
        #expect(refusal(voucher(.percentage, percent: 5, ends: now)) == .expired)
        #expect(refusal(voucher(.percentage, percent: 5, minimum: Money(minorUnits: 500_000, currency: .vnd))) == .belowMinimum)
        #expect(refusal(voucher(.percentage, percent: 5, limit: 3, used: 3)) == .usedUp)
        #expect(refusal(voucher(.percentage, percent: 5, perCustomer: 1), uses: 1) == .usedByCustomer)
        #expect(refusal(voucher(.percentage, percent: 5, active: false)) == .inactive)
        #expect(refusal(voucher(.percentage, percent: 5, minimum: Money(minorUnits: 455_000, currency: .vnd))) == nil, "the minimum is inclusive")
    }

    @Test("20 concurrent checkouts with the last use of a voucher: exactly one gets it, the rest are rejected as used up; a cancellation gives it back")
    func lastUseUnderConcurrency() async throws {
        try await CatalogFixture.with { fixture in
            try await fixture.withDatabase { database in
                let (catalog, reservations) = fixture.parts(database)
                let variant = try #require(try await fixture.publishedProduct(catalog, stock: [100]).first)
                try await database.client.query("""
                    INSERT INTO vouchers (id, code, kind, percent, usage_limit) VALUES (\(UUID()), 'LastOne', 'percentage', 10, 1)
                    """, logger: fixture.logger)
                let checkouts = (0..<20).map { _ in UUID() }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for checkout in checkouts {
                        group.addTask {
                            _ = try await database.transaction(logger: fixture.logger) { connection in
                                try await reservations.handleSubmission(
                                    CheckoutSubmitted(checkoutId: CheckoutID(checkout), lines: [CheckoutLine(variantId: VariantID(variant), quantity: 1)],
                                                      voucherCode: "lastone"),
                                    correlationId: nil, on: connection, logger: fixture.logger)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let reserved = try await fixture.events(of: InventoryReserved.eventType, on: database)
                let rejected = try await fixture.events(of: InventoryRejected.eventType, on: database).map { try $0.decodeData(InventoryRejected.self) }
                #expect(reserved.count == 1)
                #expect(rejected.count == 19 && rejected.allSatisfy { $0.voucherProblem == "used_up" && $0.shortLines.isEmpty })
                #expect(try await fixture.level(variant, on: database) == (100, 1), "rejected checkouts hold no stock")
                let winner = try #require(reserved.first).subject
                let used = try await database.client.query("SELECT used_count FROM vouchers WHERE lower(code) = 'lastone'", logger: fixture.logger)
                for try await count in used.decode(Int.self) { #expect(count == 1) }
                try await database.transaction(logger: fixture.logger) { connection in
                    try await reservations.cancel(checkoutId: try #require(UUID(uuidString: winner)), reason: "customer", correlationId: nil,
                                                  on: connection, logger: fixture.logger)
                }
                let after = try await database.client.query("SELECT used_count FROM vouchers WHERE lower(code) = 'lastone'", logger: fixture.logger)
                for try await count in after.decode(Int.self) { #expect(count == 0, "the cancelled order gave its use back") }
            }
        }
    }
}
