import Foundation
import Hummingbird
import Money
import ServiceKit

/// The shop window: published products (list with search, category and sort; detail by
/// slug) and the category tree. Anyone may read them.
struct ProductRoutes: Sendable {
    let catalog: ProductCatalog

    func register(on router: Router<ServiceRequestContext>) {
        router.get("/products") { request, context -> Page<ProductSummary> in
            let page = try PageRequest(request)
            let sort = try request.queryChoice("sort", ProductCatalog.Sort.allCases.map(\.rawValue)).flatMap(ProductCatalog.Sort.init)
            let query = ProductCatalog.ListQuery(text: try request.queryText("q"), categorySlug: try request.queryText("category", maxLength: 120),
                                                 sort: sort, page: page)
            let (items, total) = try await catalog.list(query, logger: context.logger)
            return Page(items: items, request: page, total: total)
        }
        router.get("/products/{slug}") { _, context -> Product in
            let slug = try context.parameters.require("slug")
            guard let product = try await catalog.product(slug: slug, publishedOnly: true, logger: context.logger) else {
                throw Problem.notFound("A product '\(slug)'")
            }
            return product
        }
        router.get("/categories") { _, context -> [Category] in
            try await catalog.categories(logger: context.logger)
        }
    }
}
