import Foundation
import Hummingbird
import ServiceKit

/// Staff's order desk: find orders by status, payment, date and text; read one with its
/// timeline; move it along the allowed transitions; add notes; see a customer's figures.
struct OrderAdminRoutes: Sendable {
    let book: OrderStore

    struct StatusChange: Decodable {
        var status: String
        var note: String?
    }

    struct Note: Decodable {
        var note: String
    }

    static let paymentStatuses = ["unpaid", "collect_on_delivery", "underpaid", "paid", "partially_refunded", "refunded", "refund_due"]

    func register(on router: Router<ServiceRequestContext>) {
        router.get("/admin/orders") { request, context -> Page<Order> in
            _ = try context.caller(of: request).requiring([.staff, .admin])
            var filter = OrderStore.Filter()
            filter.status = try request.queryChoice("status", OrderStatus.allCases.map(\.rawValue))
            filter.paymentStatus = try request.queryChoice("payment_status", Self.paymentStatuses)
            filter.from = try Self.date(request, "from")
            filter.to = try Self.date(request, "to")
            filter.text = try request.queryText("q", maxLength: 100)
            filter.sort = try request.queryChoice("sort", Array(OrderStore.sorts.keys).sorted()) ?? "newest"
            return try await book.list(filter, page: try PageRequest(request), logger: context.logger)
        }
        router.get("/admin/orders/{id}") { request, context -> Order in
            _ = try context.caller(of: request).requiring([.staff, .admin])
            guard let order = try await book.detail(try context.uuid(what: "That order"), logger: context.logger) else {
                throw Problem.notFound("That order")
            }
            return order
        }
        router.post("/admin/orders/{id}/status") { request, context -> Order in
            let staff = try context.caller(of: request).requiring([.staff, .admin])
            let id = try context.uuid(what: "That order")
            let body = try await request.decodeBody(StatusChange.self, context: context)
            guard let target = OrderStatus(rawValue: body.status), OrderStatus.staffTargets.contains(target) else {
                throw Problem.validation([.init(field: "status", message: "must be one of \(OrderStatus.staffTargets.map(\.rawValue).joined(separator: ", "))")])
            }
            let note = try Self.note(body.note, required: false)
            let actor = "staff:\(staff.staffId?.uuidString.lowercased() ?? "unknown")"
            try await book.database.transaction(logger: context.logger) { connection in
                guard let current = try await book.find(id, on: connection, logger: context.logger) else { throw Problem.notFound("That order") }
                guard try await book.move(id, to: target, actor: actor, note: note, cancelReason: target == .cancelled ? "staff" : nil,
                                          correlationId: context.correlationId, on: connection, logger: context.logger) != nil else {
                    throw Problem(status: .conflict, type: "illegal-transition", title: "The order cannot move there from where it is.",
                                  detail: "An order that is \(current.status.rawValue) can move to: "
                                    + current.status.next.map(\.rawValue).sorted().joined(separator: ", ") + ".",
                                  errors: [.init(field: "status", message: "cannot go from \(current.status.rawValue) to \(target.rawValue)")])
                }
            }
            guard let order = try await book.detail(id, logger: context.logger) else { throw Problem.notFound("That order") }
            return order
        }
        router.post("/admin/orders/{id}/notes") { request, context -> EditedResponse<Order> in
            let staff = try context.caller(of: request).requiring([.staff, .admin])
            let id = try context.uuid(what: "That order")
            let note = try Self.note(try await request.decodeBody(Note.self, context: context).note, required: true)
            try await book.database.transaction(logger: context.logger) { connection in
                guard try await book.find(id, on: connection, logger: context.logger) != nil else { throw Problem.notFound("That order") }
                try await book.timeline(id, kind: "note", from: nil, to: nil, actor: "staff:\(staff.staffId?.uuidString.lowercased() ?? "unknown")",
                                        note: note, on: connection, logger: context.logger)
            }
            guard let order = try await book.detail(id, logger: context.logger) else { throw Problem.notFound("That order") }
            return EditedResponse(status: .created, response: order)
        }
        router.get("/admin/customers/{id}/stats") { request, context -> CustomerStats in
            _ = try context.caller(of: request).requiring([.staff, .admin])
            return try await book.stats(customer: try context.uuid(what: "That customer"), logger: context.logger)
        }
    }

    static func note(_ text: String?, required: Bool) throws -> String? {
        let trimmed = text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if trimmed.isEmpty {
            if required { throw Problem.validation([.init(field: "note", message: "must not be empty")]) }
            return nil
        }
        guard trimmed.count <= 2000 else { throw Problem.validation([.init(field: "note", message: "must be at most 2000 characters")]) }
        return trimmed
    }

    static func date(_ request: Request, _ name: String) throws -> Date? {
        guard let text = try request.queryText(name, maxLength: 40) else { return nil }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withFullDate]
        guard let day = formatter.date(from: text) else {
            throw Problem.validation([.init(field: name, message: "must be a date (2026-11-22) or date-time (2026-11-22T10:00:00Z)")])
        }
        return day
    }
}
