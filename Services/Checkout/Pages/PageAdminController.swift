import EventContracts
import Foundation
import Hummingbird
import ServiceKit

/// A store's checkout pages, for its staff: build a page (what it sells, its questions, where
/// it may be embedded), reorder its questions in one call, publish, archive or duplicate it,
/// and see how it does. A page of another store is 404. Each page comes with the code that
/// shares or embeds it.
struct PageAdminController: Controller {
    static let access = Access.staff
    let pages: CheckoutPageStore
    let links: PageLinks

    /// The new order of a page's questions: every key of the page, once.
    struct FieldOrder: Decodable, Sendable { var keys: [String] }

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.post("/admin/pages") { request, context -> EditedResponse<CheckoutPage> in
            let draft = try await request.decodeBody(PageDraft.self, context: context)
            let (slug, title, content) = try draft.applied(to: nil)
            let page = try await pages.create(slug: slug, title: title, content: content, by: context.staffId, logger: context.logger)
            return EditedResponse(status: .created, response: try await links.embedding(page, context: context))
        }
        routes.get("/admin/pages") { request, context -> [CheckoutPage] in
            let status = try request.uri.queryParameters.get("status").map { text in
                guard let status = PageStatus(rawValue: text) else {
                    throw Problem.validation([.init(field: "status", message: "must be one of \(PageStatus.allCases.map(\.rawValue).joined(separator: ", "))")])
                }
                return status
            }
            return try await pages.list(status: status, logger: context.logger)
        }
        routes.get("/admin/pages/{id}") { _, context -> CheckoutPage in
            try await links.embedding(try await page(context) { try await pages.find($0, logger: context.logger) }, context: context)
        }
        routes.patch("/admin/pages/{id}") { request, context -> CheckoutPage in
            let draft = try await request.decodeBody(PageDraft.self, context: context)
            return try await links.embedding(try await page(context) { id in
                try await pages.update(id, logger: context.logger) { try draft.applied(to: ($0.slug, $0.title, $0.content)) }
            }, context: context)
        }
        routes.put("/admin/pages/{id}/fields/order") { request, context -> CheckoutPage in
            let order = try await request.decodeBody(FieldOrder.self, context: context)
            return try await links.embedding(try await page(context) { id in
                try await pages.update(id, logger: context.logger) { page in
                    var content = page.content
                    content.fields = try Self.reordered(page.content.fields, by: order.keys)
                    return (page.slug, page.title, content)
                }
            }, context: context)
        }
        for (action, status) in [("publish", PageStatus.published), ("archive", .archived), ("unpublish", .draft)] {
            routes.post("/admin/pages/{id}/\(action)") { _, context -> CheckoutPage in
                try await links.embedding(try await page(context) { try await pages.setStatus($0, to: status, logger: context.logger) },
                                          context: context)
            }
        }
        routes.post("/admin/pages/{id}/duplicate") { _, context -> EditedResponse<CheckoutPage> in
            let copy = try await page(context) { try await pages.duplicate($0, by: context.staffId, logger: context.logger) }
            return EditedResponse(status: .created, response: try await links.embedding(copy, context: context))
        }
        return routes
    }

    /// The page the path names, as `body` finds or changes it; 404 when the store has none.
    private func page(_ context: ServiceRequestContext, _ body: (UUID) async throws -> CheckoutPage?) async throws -> CheckoutPage {
        let id = try context.uuid(what: "That page")
        guard let page = try await body(id) else { throw Problem.notFound("That page") }
        return page
    }

    /// `fields` in the order `keys` names them: 422 unless the keys are exactly the fields', once each.
    static func reordered(_ fields: [CustomField], by keys: [String]) throws -> [CustomField] {
        guard keys.count == fields.count, Set(keys).count == keys.count, Set(keys) == Set(fields.map(\.key)) else {
            throw Problem.validation([.init(field: "keys", message: "must name every field of the page once: \(fields.map(\.key).joined(separator: ", "))")])
        }
        return keys.compactMap { key in fields.first { $0.key == key } }
    }
}
