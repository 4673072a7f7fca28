import Foundation
import Hummingbird
import Money
import ServiceKit

/// Staff manage the catalog: categories, products and their variants, publishing and
/// archiving. Fields a request may not set (status, stock, reserved) are ignored when sent.
struct ProductAdminController: Controller {
    static let access = Access.staff
    let catalog: ProductStore
    let rules: ProductRules

    struct NewCategory: Decodable {
        var slug: String
        var name: String
        var parentId: String?
    }

    struct VariantInput: Decodable {
        var sku: String
        var title: String?
        var options: [String: String]?
        var price: MoneyInput
        var compareAtPrice: MoneyInput?
        var onHand: Int?
        /// Makes the variant digital: the file its buyers download.
        var digitalFile: String?
    }

    struct NewProduct: Decodable {
        var slug: String
        var title: String
        var description: String?
        var imageUrls: [String]?
        var categoryId: String?
        var variants: [VariantInput]?
    }

    struct ProductPatch: Decodable {
        var slug: String?
        var title: String?
        var description: String?
        var imageUrls: [String]?
        var categoryId: String?
    }

    struct VariantPatch: Decodable {
        var title: String?
        var options: [String: String]?
        var price: MoneyInput?
        var compareAtPrice: MoneyInput?
        /// A file makes the variant digital; an empty string makes it physical again.
        var digitalFile: String?
    }

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.post("/admin/categories") { request, context -> EditedResponse<Category> in
            let body = try await request.decodeBody(NewCategory.self, context: context)
            var errors: [Problem.FieldError] = []
            if let problem = ProductRules.slugProblem(body.slug) { errors.append(.init(field: "slug", message: problem)) }
            if let problem = ProductRules.textProblem(body.name, max: 120) { errors.append(.init(field: "name", message: problem)) }
            let parent = try Self.optionalID(body.parentId, field: "parent_id", errors: &errors)
            guard errors.isEmpty else { throw Problem.validation(errors) }
            let category = try await catalog.createCategory(slug: body.slug, name: body.name.trimmed, parent: parent, logger: context.logger)
            return EditedResponse(status: .created, response: category)
        }
        routes.post("/admin/products") { request, context -> EditedResponse<Product> in
            let body = try await request.decodeBody(NewProduct.self, context: context)
            var errors: [Problem.FieldError] = []
            let fields = try productFields(slug: body.slug, title: body.title, description: body.description ?? "",
                                           imageUrls: body.imageUrls ?? [], categoryId: body.categoryId, errors: &errors)
            let inputs = body.variants ?? []
            if inputs.count > 100 { errors.append(.init(field: "variants", message: "at most 100 variants")) }
            let rules = try await rules.ofTaskStore(logger: context.logger)
            let variants = inputs.enumerated().compactMap { index, input in variant(input, field: "variants[\(index)]", rules: rules, errors: &errors) }
            if Set(inputs.map(\.sku)).count != inputs.count { errors.append(.init(field: "variants", message: "SKUs must differ")) }
            guard errors.isEmpty, let fields else { throw Problem.validation(errors) }
            let id = try await catalog.create(fields, variants: variants, staffId: context.staffId, correlationId: context.correlationId,
                                              logger: context.logger)
            return EditedResponse(status: .created, response: try await staffView(id, context))
        }
        routes.get("/admin/products/{id}") { request, context -> Product in
            return try await staffView(try Self.id(context), context)
        }
        routes.patch("/admin/products/{id}") { request, context -> Product in
            let id = try Self.id(context)
            let body = try await request.decodeBody(ProductPatch.self, context: context)
            var errors: [Problem.FieldError] = []
            if let slug = body.slug, let problem = ProductRules.slugProblem(slug) { errors.append(.init(field: "slug", message: problem)) }
            if let title = body.title, let problem = ProductRules.textProblem(title, max: 200) { errors.append(.init(field: "title", message: problem)) }
            if let description = body.description, let problem = ProductRules.textProblem(description, max: 20_000, required: false) {
                errors.append(.init(field: "description", message: problem))
            }
            for (index, url) in (body.imageUrls ?? []).enumerated() {
                if let problem = ProductRules.imageURLProblem(url) { errors.append(.init(field: "image_urls[\(index)]", message: problem)) }
            }
            let category: UUID?? = body.categoryId == nil ? nil : .some(try Self.optionalID(body.categoryId, field: "category_id", errors: &errors))
            guard errors.isEmpty else { throw Problem.validation(errors) }
            guard try await catalog.update(id, slug: body.slug, title: body.title?.trimmed, description: body.description,
                                           imageUrls: body.imageUrls, categoryId: category, correlationId: context.correlationId,
                                           logger: context.logger)
            else { throw Problem.notFound("That product") }
            return try await staffView(id, context)
        }
        for (action, status) in [("publish", "published"), ("archive", "archived")] {
            routes.post("/admin/products/{id}/\(action)") { request, context -> Product in
                let id = try Self.id(context)
                guard try await catalog.setStatus(id, to: status, correlationId: context.correlationId, logger: context.logger) else {
                    throw Problem.notFound("That product")
                }
                return try await staffView(id, context)
            }
        }
        routes.post("/admin/products/{id}/variants") { request, context -> EditedResponse<Product> in
            let id = try Self.id(context)
            let body = try await request.decodeBody(VariantInput.self, context: context)
            var errors: [Problem.FieldError] = []
            let new = variant(body, field: nil, rules: try await rules.ofTaskStore(logger: context.logger), errors: &errors)
            guard errors.isEmpty, let new else { throw Problem.validation(errors) }
            guard try await catalog.product(id: id, publishedOnly: false, logger: context.logger) != nil else {
                throw Problem.notFound("That product")
            }
            _ = try await catalog.addVariant(new, to: id, staffId: context.staffId, correlationId: context.correlationId, logger: context.logger)
            return EditedResponse(status: .created, response: try await staffView(id, context))
        }
        routes.patch("/admin/variants/{id}") { request, context -> Product in
            let id = try Self.id(context)
            let body = try await request.decodeBody(VariantPatch.self, context: context)
            var errors: [Problem.FieldError] = []
            if let title = body.title, let problem = ProductRules.textProblem(title, max: 120, required: false) {
                errors.append(.init(field: "title", message: problem))
            }
            if let options = body.options, let problem = ProductRules.optionsProblem(options) { errors.append(.init(field: "options", message: problem)) }
            let rules = try await rules.ofTaskStore(logger: context.logger)
            let price = body.price.flatMap { rules.price($0, field: "price", errors: &errors) }
            let compare: Money?? = body.compareAtPrice == nil ? nil : .some(body.compareAtPrice.flatMap { rules.price($0, field: "compare_at_price", errors: &errors) })
            if let file = body.digitalFile, !file.isEmpty, let problem = ProductRules.digitalFileProblem(file) {
                errors.append(.init(field: "digital_file", message: problem))
            }
            guard errors.isEmpty else { throw Problem.validation(errors) }
            let digitalFile: String?? = body.digitalFile.map { $0.isEmpty ? nil : $0 }
            guard let product = try await catalog.updateVariant(id, title: body.title, options: body.options, price: price,
                                                                compareAtPrice: compare, digitalFile: digitalFile, correlationId: context.correlationId,
                                                                logger: context.logger)
            else { throw Problem.notFound("That variant") }
            return try await staffView(product, context)
        }
        return routes
    }

    private func staffView(_ id: UUID, _ context: ServiceRequestContext) async throws -> Product {
        guard let product = try await catalog.product(id: id, publishedOnly: false, logger: context.logger) else {
            throw Problem.notFound("That product")
        }
        return product
    }

    private func productFields(slug: String, title: String, description: String, imageUrls: [String], categoryId: String?,
                               errors: inout [Problem.FieldError]) throws -> ProductStore.ProductFields? {
        if let problem = ProductRules.slugProblem(slug) { errors.append(.init(field: "slug", message: problem)) }
        if let problem = ProductRules.textProblem(title, max: 200) { errors.append(.init(field: "title", message: problem)) }
        if let problem = ProductRules.textProblem(description, max: 20_000, required: false) { errors.append(.init(field: "description", message: problem)) }
        if imageUrls.count > 20 { errors.append(.init(field: "image_urls", message: "at most 20 images")) }
        for (index, url) in imageUrls.enumerated() {
            if let problem = ProductRules.imageURLProblem(url) { errors.append(.init(field: "image_urls[\(index)]", message: problem)) }
        }
        let category = try Self.optionalID(categoryId, field: "category_id", errors: &errors)
        return ProductStore.ProductFields(slug: slug, title: title.trimmed, description: description, imageUrls: imageUrls, categoryId: category)
    }

    private func variant(_ input: VariantInput, field: String?, rules: ProductRules, errors: inout [Problem.FieldError]) -> ProductStore.NewVariant? {
        func name(_ member: String) -> String { field.map { "\($0).\(member)" } ?? member }
        let before = errors.count
        if let problem = ProductRules.skuProblem(input.sku) { errors.append(.init(field: name("sku"), message: problem)) }
        if let title = input.title, let problem = ProductRules.textProblem(title, max: 120, required: false) {
            errors.append(.init(field: name("title"), message: problem))
        }
        if let options = input.options, let problem = ProductRules.optionsProblem(options) { errors.append(.init(field: name("options"), message: problem)) }
        let price = rules.price(input.price, field: name("price"), errors: &errors)
        let compare = input.compareAtPrice.flatMap { rules.price($0, field: name("compare_at_price"), errors: &errors) }
        if let price, let compare, compare.currency != price.currency {
            errors.append(.init(field: name("compare_at_price.currency"), message: "must be the price's currency"))
        }
        if let onHand = input.onHand, !(0...1_000_000).contains(onHand) {
            errors.append(.init(field: name("on_hand"), message: "must be from 0 to 1000000"))
        }
        if let file = input.digitalFile, let problem = ProductRules.digitalFileProblem(file) {
            errors.append(.init(field: name("digital_file"), message: problem))
        }
        guard errors.count == before, let price else { return nil }
        return ProductStore.NewVariant(sku: input.sku, title: input.title ?? "", options: input.options ?? [:], price: price,
                                         compareAtPrice: compare, onHand: input.onHand ?? 0, digitalFile: input.digitalFile)
    }

    static func id(_ context: ServiceRequestContext) throws -> UUID {
        try context.uuid(what: "That resource")
    }

    static func optionalID(_ text: String?, field: String, errors: inout [Problem.FieldError]) throws -> UUID? {
        guard let text else { return nil }
        guard let id = UUID(uuidString: text) else {
            errors.append(.init(field: field, message: "must be a UUID"))
            return nil
        }
        return id
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
