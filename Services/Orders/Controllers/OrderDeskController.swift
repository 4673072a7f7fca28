import Foundation
import Hummingbird
import ServiceKit

/// Staff's order desk: find orders by status, payment, date and text, or export them as CSV
/// (with the answers to checkout pages' questions); read one with its timeline; move it along the allowed transitions; add notes; see a customer's figures.
struct OrderDeskController: Controller {
    static let access = Access.staff
    let orders: OrderStore

    struct StatusChange: Decodable {
        var status: String
        var note: String?
    }

    struct Note: Decodable {
        var note: String
    }

    static let paymentStatuses = ["unpaid", "collect_on_delivery", "underpaid", "paid", "partially_refunded", "refunded", "refund_due"]

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.get("/admin/orders") { request, context -> Page<Order> in
            try await orders.list(try Self.filter(request), page: try PageRequest(request), logger: context.logger)
        }
        routes.get("/admin/orders/export") { request, context -> Response in
            // One query: the file is one moment's orders, and one more than the limit tells that it was cut.
            let found = try await orders.list(try Self.filter(request), page: PageRequest(page: 1, size: OrderExport.limit + 1),
                                              logger: context.logger).items
            var headers = HTTPFields()
            headers[.contentType] = "text/csv; charset=utf-8"
            headers[.contentDisposition] = "attachment; filename=\"orders.csv\""
            headers[.cacheControl] = "private, no-store"
            headers[OrderExport.truncatedHeader] = found.count > OrderExport.limit ? "true" : "false"
            let file = OrderExport(orders: Array(found.prefix(OrderExport.limit)))
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: file.csv)))
        }
        routes.get("/admin/orders/{id}") { _, context -> Order in
            try await orders.existing(try context.uuid(what: "That order"), logger: context.logger)
        }
        routes.post("/admin/orders/{id}/status") { request, context -> Order in
            let id = try context.uuid(what: "That order")
            let body = try await request.decodeBody(StatusChange.self, context: context)
            guard let target = OrderStatus(rawValue: body.status), OrderStatus.staffTargets.contains(target) else {
                throw Problem.validation([.init(field: "status", message: "must be one of \(OrderStatus.staffTargets.map(\.rawValue).joined(separator: ", "))")])
            }
            return try await orders.move(id, to: target, byStaff: context.staffActor, note: try Self.note(body.note, required: false),
                                         correlationId: context.correlationId, logger: context.logger)
        }
        routes.post("/admin/orders/{id}/notes") { request, context -> EditedResponse<Order> in
            let id = try context.uuid(what: "That order")
            let note = try Self.note(try await request.decodeBody(Note.self, context: context).note, required: true)
            return EditedResponse(status: .created, response: try await orders.addNote(note, to: id, by: context.staffActor, logger: context.logger))
        }
        routes.get("/admin/customers/{id}/stats") { _, context -> CustomerStats in
            guard let stats = try await orders.stats(customer: try context.uuid(what: "That customer"), logger: context.logger) else {
                throw Problem(status: .notFound, type: "not-found", title: "Not found.", detail: "This store has no order from that customer.")
            }
            return stats
        }
        return routes
    }

    /// The list's filters, as the query names them.
    static func filter(_ request: Request) throws -> OrderStore.Filter {
        var filter = OrderStore.Filter()
        filter.status = try request.queryChoice("status", OrderStatus.allCases.map(\.rawValue))
        filter.paymentStatus = try request.queryChoice("payment_status", Self.paymentStatuses)
        filter.from = try Self.date(request, "from")
        filter.to = try Self.date(request, "to")
        filter.text = try request.queryText("q", maxLength: 100)
        filter.sort = try request.queryChoice("sort", Array(OrderStore.sorts.keys).sorted()) ?? "newest"
        return filter
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
