import Foundation
import Hummingbird
import Money
import ServiceKit

/// The shop window: published products (list with search, category and sort; detail by
/// slug) and the category tree. Anyone may read them; the answers come from the
/// ``ShopWindow`` when nothing changed since, carry an entity tag (304 when the client has
/// it) and may be kept by browsers and CDNs for `maxAge`.
struct ShopWindowController: Controller {
    static let access = Access.everyone
    let catalog: ProductStore
    let window: ShopWindow
    /// How long a client or CDN may show a shop window answer without asking again.
    let maxAge: Int

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        let cacheControl = "public, max-age=\(maxAge)"
        routes.get("/products") { request, context -> Response in
            let page = try PageRequest(request)
            let sort = try request.queryChoice("sort", ProductStore.Sort.allCases.map(\.rawValue)).flatMap(ProductStore.Sort.init)
            // One form of each letter (NFC): two spellings of one text are one key (Swift strings
            // compare them equal), so the search must see them as one spelling too.
            let query = ProductStore.ListQuery(text: try request.queryText("q")?.precomposedStringWithCanonicalMapping,
                                                 categorySlug: try request.queryText("category", maxLength: 120)?.precomposedStringWithCanonicalMapping,
                                                 sort: sort, page: page)
            let key = ["products", query.text ?? "", query.categorySlug ?? "", sort?.rawValue ?? "", "\(page.page)", "\(page.size)"]
                .joined(separator: "\u{1F}")
            let body = try await window.page(key) {
                let (items, total) = try await catalog.list(query, logger: context.logger)
                return try TaggedBody(encoding: Page(items: items, request: page, total: total), context: context)
            }
            return body.response(to: request, cacheControl: cacheControl)
        }
        routes.get("/products/{slug}") { request, context -> Response in
            let slug = try context.parameters.require("slug")
            let body = try await window.pageIfFound("product\u{1F}" + slug) {
                try await catalog.product(slug: slug, publishedOnly: true, logger: context.logger)
                    .map { try TaggedBody(encoding: $0, context: context) }
            }
            guard let body else { throw Problem.notFound("A product '\(slug)'") }
            return body.response(to: request, cacheControl: cacheControl)
        }
        routes.get("/categories") { request, context -> Response in
            let body = try await window.page("categories") {
                try TaggedBody(encoding: try await catalog.categories(logger: context.logger), context: context)
            }
            return body.response(to: request, cacheControl: cacheControl)
        }
        return routes
    }
}
