import EventContracts
import Foundation
import Logging
import Money
import Persistence
import PostgresNIO
import ServiceKit

/// VoucherStore and their redemptions. A redemption is counted when a checkout with the voucher
/// is placed (together with its stock reservation) by one conditional update, so the last
/// remaining use cannot be taken twice; it is given back when the checkout closes without an
/// order or the order is cancelled.
struct VoucherStore: Sendable {
    let database: Database

    static let columns = """
        id, code, kind, percent, amount_minor, currency, min_subtotal_minor, max_discount_minor,
        starts_at, ends_at, usage_limit, per_customer_limit, used_count, active
        """

    func find(code: String, on connection: PostgresConnection, logger: Logger) async throws -> Voucher? {
        let rows = try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM vouchers WHERE lower(code) = lower($1)", binds: try Self.binds(code)),
            logger: logger)
        return try await Self.decode(rows).first
    }

    func list(logger: Logger) async throws -> [Voucher] {
        try await Self.decode(try await database.client.query(
            PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM vouchers ORDER BY created_at DESC LIMIT 500"), logger: logger))
    }

    func find(id: UUID, logger: Logger) async throws -> Voucher? {
        var binds = PostgresBindings()
        binds.append(id)
        return try await Self.decode(try await database.client.query(
            PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM vouchers WHERE id = $1", binds: binds), logger: logger)).first
    }

    /// How often `customer` has a redeemed use of `voucher`.
    func uses(of voucher: String, by customer: UUID?, on connection: PostgresConnection, logger: Logger) async throws -> Int? {
        guard let customer, let id = UUID(uuidString: voucher) else { return nil }
        let rows = try await connection.query("""
            SELECT count(*)::int8 FROM voucher_redemptions WHERE voucher_id = \(id) AND customer_id = \(customer) AND status = 'redeemed'
            """, logger: logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    /// Counts one use for a checkout if the voucher still applies to `subtotal` and returns what
    /// it takes off (the same again for a checkout already counted); otherwise says why.
    func redeem(code: String, checkoutId: UUID, customerId: UUID?, subtotal: Money,
                on connection: PostgresConnection, logger: Logger) async throws -> Result<Money, Voucher.Refusal> {
        let existing = try await connection.query(
            "SELECT discount_minor FROM voucher_redemptions WHERE checkout_id = \(checkoutId) AND status = 'redeemed'", logger: logger)
        for try await discount in existing.decode(Int64.self) { return .success(Money(minorUnits: discount, currency: subtotal.currency)) }
        guard let found = try await find(code: code, on: connection, logger: logger), let id = UUID(uuidString: found.id) else {
            return .failure(.unknown)
        }
        // Lock the voucher, then judge it on what committed before us: concurrent uses of the
        // last redemption (or of a customer's last) queue here and the later ones are refused.
        try await connection.query("SELECT 1 FROM vouchers WHERE id = \(id) FOR UPDATE", logger: logger)
        guard let voucher = try await find(code: code, on: connection, logger: logger) else { return .failure(.unknown) }
        let customerUses = try await uses(of: voucher.id, by: customerId, on: connection, logger: logger)
        let discount: Money
        switch voucher.discount(on: subtotal, customerUses: customerUses) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let amount): discount = amount
        }
        try await connection.query("UPDATE vouchers SET used_count = used_count + 1, updated_at = now() WHERE id = \(id)", logger: logger)
        try await connection.query("""
            INSERT INTO voucher_redemptions (checkout_id, voucher_id, customer_id, status, discount_minor)
            VALUES (\(checkoutId), \(id), \(customerId), 'redeemed', \(discount.minorUnits))
            """, logger: logger)
        return .success(discount)
    }

    /// Gives a checkout's use back (its checkout closed without an order, or the order was cancelled).
    func giveBack(checkoutId: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query("""
            UPDATE voucher_redemptions SET status = 'returned', returned_at = now()
            WHERE checkout_id = \(checkoutId) AND status = 'redeemed' RETURNING voucher_id
            """, logger: logger)
        for try await voucher in rows.decode(UUID.self) {
            try await connection.query(
                "UPDATE vouchers SET used_count = used_count - 1, updated_at = now() WHERE id = \(voucher) AND used_count > 0", logger: logger)
        }
    }

    private static func binds(_ code: String) throws -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(code)
        return binds
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> [Voucher] {
        var result: [Voucher] = []
        for try await (id, code, kind, percent, amount, currency, minimum, maximum, starts, ends, limit, perCustomer, used, active)
            in rows.decode((UUID, String, String, Int?, Int64?, String?, Int64?, Int64?, Date?, Date?, Int?, Int?, Int, Bool).self) {
            let money = currency.flatMap(Currency.init(code:))
            func amountOf(_ minor: Int64?) -> Money? { minor.flatMap { value in money.map { Money(minorUnits: value, currency: $0) } } }
            result.append(Voucher(
                id: id.lowercased, code: code, kind: Voucher.Kind(rawValue: kind) ?? .fixed, percent: percent,
                amount: amountOf(amount), minimumSubtotal: amountOf(minimum), maximumDiscount: amountOf(maximum),
                startsAt: starts, endsAt: ends, usageLimit: limit, perCustomerLimit: perCustomer, usedCount: used, active: active))
        }
        return result
    }
}
