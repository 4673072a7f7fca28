import EventContracts
import Foundation
import Logging
import Money
import Persistence
import PostgresNIO
import ServiceKit

/// Vouchers and their redemptions. A redemption is counted when a checkout with the voucher
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

    /// A voucher as staff create it, checked.
    struct Draft: Sendable {
        var code: String
        var kind: Voucher.Kind
        var percent: Int?
        var amount: Money?
        var minimumSubtotal: Money?
        var maximumDiscount: Money?
        var startsAt: Date?
        var endsAt: Date?
        var usageLimit: Int?
        var perCustomerLimit: Int?
    }

    /// What staff may change on a voucher; nil keeps the value.
    struct Changes: Sendable {
        var active: Bool?
        var startsAt: Date?
        var endsAt: Date?
        var usageLimit: Int?
        var perCustomerLimit: Int?
    }

    /// Creates a voucher (a code taken in any case: 409 naming `code`).
    func create(_ draft: Draft, logger: Logger) async throws -> Voucher {
        let id = UUID()
        let currency = [draft.amount, draft.minimumSubtotal, draft.maximumDiscount].compactMap { $0?.currency }.first
        do {
            try await database.client.query("""
                INSERT INTO vouchers (id, code, kind, percent, amount_minor, currency, min_subtotal_minor, max_discount_minor,
                                      starts_at, ends_at, usage_limit, per_customer_limit)
                VALUES (\(id), \(draft.code), \(draft.kind.rawValue), \(draft.kind == .percentage ? draft.percent : nil), \(draft.amount?.minorUnits),
                        \(currency?.code), \(draft.minimumSubtotal?.minorUnits), \(draft.maximumDiscount?.minorUnits), \(draft.startsAt),
                        \(draft.endsAt), \(draft.usageLimit), \(draft.perCustomerLimit))
                """, logger: logger)
        } catch let error where ConstraintViolation(error)?.kind == .unique {
            throw Problem.taken(field: "code", what: "A voucher with this code")
        }
        return try await existing(id, logger: logger)
    }

    /// Changes a voucher (404 for none; a usage limit below the uses counted: 422).
    func update(_ id: UUID, _ changes: Changes, logger: Logger) async throws -> Voucher {
        _ = try await existing(id, logger: logger)
        do {
            try await database.client.query("""
                UPDATE vouchers SET active = coalesce(\(changes.active), active), starts_at = coalesce(\(changes.startsAt), starts_at),
                    ends_at = coalesce(\(changes.endsAt), ends_at), usage_limit = coalesce(\(changes.usageLimit), usage_limit),
                    per_customer_limit = coalesce(\(changes.perCustomerLimit), per_customer_limit), updated_at = now()
                WHERE id = \(id)
                """, logger: logger)
        } catch let error where ConstraintViolation(error)?.constraint == "vouchers_within_limit" {
            throw Problem.validation([.init(field: "usage_limit", message: "is below the uses already counted")])
        }
        return try await existing(id, logger: logger)
    }

    /// Stops a voucher from being redeemed (404 for none).
    func deactivate(_ id: UUID, logger: Logger) async throws -> Voucher {
        _ = try await existing(id, logger: logger)
        try await database.client.query("UPDATE vouchers SET active = false, updated_at = now() WHERE id = \(id)", logger: logger)
        return try await existing(id, logger: logger)
    }

    /// The voucher, or 404.
    func existing(_ id: UUID, logger: Logger) async throws -> Voucher {
        guard let voucher = try await find(id: id, logger: logger) else { throw Problem.notFound("That voucher") }
        return voucher
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

    private static func decode<Rows: AsyncSequence & Sendable>(_ rows: Rows) async throws -> [Voucher] where Rows.Element == PostgresRow {
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
