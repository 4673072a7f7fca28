import Foundation
import Hummingbird
import Money
import Persistence
import PostgresNIO
import ServiceKit

/// Staff create, change, deactivate and list vouchers (with how often each was used).
struct VoucherAdminRoutes: Sendable {
    let vouchers: VoucherStore
    let rules: ProductRules

    struct NewVoucher: Decodable {
        var code: String
        var kind: String
        var percent: Int?
        var amount: MoneyInput?
        var minimumSubtotal: MoneyInput?
        var maximumDiscount: MoneyInput?
        var startsAt: String?
        var endsAt: String?
        var usageLimit: Int?
        var perCustomerLimit: Int?
    }

    struct VoucherPatch: Decodable {
        var active: Bool?
        var startsAt: String?
        var endsAt: String?
        var usageLimit: Int?
        var perCustomerLimit: Int?
    }

    func register(on router: Router<ServiceRequestContext>) {
        router.post("/admin/vouchers") { request, context -> EditedResponse<Voucher> in
            _ = try context.caller(of: request).requiring([.staff, .admin])
            let body = try await request.decodeBody(NewVoucher.self, context: context)
            var errors: [Problem.FieldError] = []
            let code = body.code.trimmed
            if code.range(of: #"^[A-Za-z0-9_-]{3,40}$"#, options: .regularExpression) == nil {
                errors.append(.init(field: "code", message: "must be 3 to 40 letters, digits, '-' or '_'"))
            }
            let kind = Voucher.Kind(rawValue: body.kind)
            if kind == nil { errors.append(.init(field: "kind", message: "must be percentage or fixed")) }
            if kind == .percentage, !(1...100).contains(body.percent ?? 0) { errors.append(.init(field: "percent", message: "must be from 1 to 100")) }
            if kind == .fixed, body.amount == nil { errors.append(.init(field: "amount", message: "is required for a fixed voucher")) }
            let amount = body.amount.flatMap { rules.price($0, field: "amount", errors: &errors) }
            if let amount, amount.minorUnits == 0 { errors.append(.init(field: "amount.minor_units", message: "must be positive")) }
            let minimum = body.minimumSubtotal.flatMap { rules.price($0, field: "minimum_subtotal", errors: &errors) }
            let maximum = body.maximumDiscount.flatMap { rules.price($0, field: "maximum_discount", errors: &errors) }
            if let maximum, maximum.minorUnits == 0 { errors.append(.init(field: "maximum_discount.minor_units", message: "must be positive")) }
            let currencies = Set([amount, minimum, maximum].compactMap { $0?.currency })
            if currencies.count > 1 { errors.append(.init(field: "amount.currency", message: "amounts of one voucher share a currency")) }
            let (starts, ends) = Self.window(body.startsAt, body.endsAt, errors: &errors)
            Self.checkLimits(body.usageLimit, body.perCustomerLimit, errors: &errors)
            guard errors.isEmpty, let kind else { throw Problem.validation(errors) }
            let id = UUID()
            do {
                try await vouchers.database.client.query("""
                    INSERT INTO vouchers (id, code, kind, percent, amount_minor, currency, min_subtotal_minor, max_discount_minor,
                                          starts_at, ends_at, usage_limit, per_customer_limit)
                    VALUES (\(id), \(code), \(kind.rawValue), \(kind == .percentage ? body.percent : nil), \(amount?.minorUnits),
                            \(currencies.first?.code), \(minimum?.minorUnits), \(maximum?.minorUnits), \(starts), \(ends),
                            \(body.usageLimit), \(body.perCustomerLimit))
                    """, logger: context.logger)
            } catch let error where ConstraintViolation(error)?.kind == .unique {
                throw Problem.taken(field: "code", what: "A voucher with this code")
            }
            return EditedResponse(status: .created, response: try await voucher(id, context))
        }
        router.get("/admin/vouchers") { request, context -> [Voucher] in
            _ = try context.caller(of: request).requiring([.staff, .admin])
            return try await vouchers.list(logger: context.logger)
        }
        router.patch("/admin/vouchers/{id}") { request, context -> Voucher in
            _ = try context.caller(of: request).requiring([.staff, .admin])
            let id = try ProductAdminRoutes.id(context)
            let body = try await request.decodeBody(VoucherPatch.self, context: context)
            var errors: [Problem.FieldError] = []
            let (starts, ends) = Self.window(body.startsAt, body.endsAt, errors: &errors)
            Self.checkLimits(body.usageLimit, body.perCustomerLimit, errors: &errors)
            guard errors.isEmpty else { throw Problem.validation(errors) }
            _ = try await voucher(id, context)
            do {
                try await vouchers.database.client.query("""
                    UPDATE vouchers SET active = coalesce(\(body.active), active), starts_at = coalesce(\(starts), starts_at),
                        ends_at = coalesce(\(ends), ends_at), usage_limit = coalesce(\(body.usageLimit), usage_limit),
                        per_customer_limit = coalesce(\(body.perCustomerLimit), per_customer_limit), updated_at = now()
                    WHERE id = \(id)
                    """, logger: context.logger)
            } catch let error where ConstraintViolation(error)?.constraint == "vouchers_within_limit" {
                throw Problem.validation([.init(field: "usage_limit", message: "is below the uses already counted")])
            }
            return try await voucher(id, context)
        }
        router.post("/admin/vouchers/{id}/deactivate") { request, context -> Voucher in
            _ = try context.caller(of: request).requiring([.staff, .admin])
            let id = try ProductAdminRoutes.id(context)
            _ = try await voucher(id, context)
            try await vouchers.database.client.query("UPDATE vouchers SET active = false, updated_at = now() WHERE id = \(id)",
                                                     logger: context.logger)
            return try await voucher(id, context)
        }
    }

    private func voucher(_ id: UUID, _ context: ServiceRequestContext) async throws -> Voucher {
        guard let voucher = try await vouchers.find(id: id, logger: context.logger) else { throw Problem.notFound("That voucher") }
        return voucher
    }

    static func window(_ start: String?, _ end: String?, errors: inout [Problem.FieldError]) -> (Date?, Date?) {
        let parser = ISO8601DateFormatter()
        let starts = start.flatMap { parser.date(from: $0) }
        let ends = end.flatMap { parser.date(from: $0) }
        if start != nil && starts == nil { errors.append(.init(field: "starts_at", message: "must be an ISO 8601 time, e.g. 2026-12-01T00:00:00Z")) }
        if end != nil && ends == nil { errors.append(.init(field: "ends_at", message: "must be an ISO 8601 time, e.g. 2026-12-31T23:59:59Z")) }
        if let starts, let ends, ends <= starts { errors.append(.init(field: "ends_at", message: "must be after starts_at")) }
        return (starts, ends)
    }

    static func checkLimits(_ total: Int?, _ perCustomer: Int?, errors: inout [Problem.FieldError]) {
        if let total, !(1...10_000_000).contains(total) { errors.append(.init(field: "usage_limit", message: "must be from 1 to 10000000")) }
        if let perCustomer, !(1...1000).contains(perCustomer) {
            errors.append(.init(field: "per_customer_limit", message: "must be from 1 to 1000"))
        }
    }
}
