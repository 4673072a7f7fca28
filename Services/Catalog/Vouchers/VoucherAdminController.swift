import Foundation
import Hummingbird
import Money
import ServiceKit

/// Staff create, change, deactivate and list vouchers (with how often each was used).
struct VoucherAdminController: Controller {
    static let access = Access.staff
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

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.post("/admin/vouchers") { request, context -> EditedResponse<Voucher> in
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
            let rules = try await rules.ofTaskStore(logger: context.logger)
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
            let draft = VoucherStore.Draft(code: code, kind: kind, percent: body.percent, amount: amount, minimumSubtotal: minimum,
                                           maximumDiscount: maximum, startsAt: starts, endsAt: ends, usageLimit: body.usageLimit,
                                           perCustomerLimit: body.perCustomerLimit)
            return EditedResponse(status: .created, response: try await vouchers.create(draft, logger: context.logger))
        }
        routes.get("/admin/vouchers") { _, context -> [Voucher] in
            try await vouchers.list(logger: context.logger)
        }
        routes.patch("/admin/vouchers/{id}") { request, context -> Voucher in
            let id = try context.uuid(what: "That voucher")
            let body = try await request.decodeBody(VoucherPatch.self, context: context)
            var errors: [Problem.FieldError] = []
            let (starts, ends) = Self.window(body.startsAt, body.endsAt, errors: &errors)
            Self.checkLimits(body.usageLimit, body.perCustomerLimit, errors: &errors)
            guard errors.isEmpty else { throw Problem.validation(errors) }
            let changes = VoucherStore.Changes(active: body.active, startsAt: starts, endsAt: ends, usageLimit: body.usageLimit,
                                               perCustomerLimit: body.perCustomerLimit)
            return try await vouchers.update(id, changes, logger: context.logger)
        }
        routes.post("/admin/vouchers/{id}/deactivate") { _, context -> Voucher in
            try await vouchers.deactivate(try context.uuid(what: "That voucher"), logger: context.logger)
        }
        return routes
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
