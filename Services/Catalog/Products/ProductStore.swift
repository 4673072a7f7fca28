import EventContracts
import Foundation
import Logging
import Messaging
import Money
import Persistence
import PostgresNIO
import ServiceKit

/// Reads and writes products, variants and categories. Every change that others must hear
/// about (published, updated, archived, price changed) goes to the outbox in its transaction.
struct ProductStore: Sendable {
    let database: Database
    let outbox: Outbox
    let inventory: StockStore

    // MARK: Reading

    enum Sort: String, CaseIterable { case newest, priceAsc = "price_asc", priceDesc = "price_desc", relevance }

    struct ListQuery: Sendable {
        var text: String?
        var categorySlug: String?
        var sort: Sort?
        var page: PageRequest
    }

    /// Published products matching the query, with the total.
    func list(_ query: ListQuery, logger: Logger) async throws -> (items: [ProductSummary], total: Int) {
        let tsquery = query.text.flatMap(Self.prefixQuery)
        if query.text != nil && tsquery == nil { return ([], 0) }
        let sort = (query.sort ?? (tsquery != nil ? .relevance : .newest)).rawValue
        let rows = try await database.client.execute(
            ProductListingStatement(categorySlug: query.categorySlug, tsquery: tsquery, sort: sort,
                                    limit: Int32(query.page.size), offset: Int32(query.page.offset)),
            logger: logger)
        var items: [ProductSummary] = []
        var total = 0
        for try await (id, slug, title, image, category, price, compareAt, currency, inStock, publishedAt, count) in rows {
            let money = currency.flatMap(Currency.init(code:))
            items.append(ProductSummary(
                id: id.lowercased, slug: slug, title: title, imageUrl: image, categoryId: category?.lowercased,
                price: price.flatMap { amount in money.map { Money(minorUnits: amount, currency: $0) } },
                compareAtPrice: compareAt.flatMap { amount in money.map { Money(minorUnits: amount, currency: $0) } },
                inStock: inStock, publishedAt: publishedAt))
            total = count
        }
        if items.isEmpty && query.page.page > 1 {
            let counted = try await database.client.query("""
                WITH RECURSIVE tree AS (
                    SELECT id FROM categories WHERE slug = \(query.categorySlug)
                    UNION ALL SELECT c.id FROM categories c JOIN tree t ON c.parent_id = t.id)
                SELECT count(*)::int8 FROM products p WHERE p.status = 'published'
                  AND (\(query.categorySlug)::text IS NULL OR p.category_id IN (SELECT id FROM tree))
                  AND (\(tsquery)::text IS NULL OR p.search @@ to_tsquery('simple', translate(\(tsquery), \(SearchFolding.accented), \(SearchFolding.plain))))
                """, logger: logger)
            for try await count in counted.decode(Int.self) { total = count }
        }
        return (items, total)
    }

    /// Turns free text into a prefix full-text query (`red:* & shirt:*`), or nil when it has
    /// no words. Only letters and digits pass, so user text can never be tsquery syntax.
    static func prefixQuery(_ text: String) -> String? {
        let words = text.lowercased().split { !$0.isLetter && !$0.isNumber }.prefix(8).map { "\($0):*" }
        return words.isEmpty ? nil : words.joined(separator: " & ")
    }

    /// A product by slug or id; shoppers (`publishedOnly`) see only published ones.
    func product(slug: String? = nil, id: UUID? = nil, publishedOnly: Bool, logger: Logger) async throws -> Product? {
        let rows = try await database.client.query("""
            SELECT p.id, p.slug, p.title, p.description, p.image_urls, p.status, c.id, c.slug, c.name, p.created_at, p.updated_at, p.published_at
            FROM products p LEFT JOIN categories c ON c.id = p.category_id
            WHERE (p.slug = \(slug) OR p.id = \(id)) AND (NOT \(publishedOnly) OR p.status = 'published')
            """, logger: logger)
        for try await (id, slug, title, description, images, status, categoryID, categorySlug, categoryName, created, updated, published)
            in rows.decode((UUID, String, String, String, [String], String, UUID?, String?, String?, Date, Date, Date?).self) {
            let category = categoryID.map { CategoryRef(id: $0.lowercased, slug: categorySlug ?? "", name: categoryName ?? "") }
            return Product(id: id.lowercased, slug: slug, title: title, description: description, imageUrls: images, status: status,
                           category: category, variants: try await variants(of: id, staffView: !publishedOnly, logger: logger),
                           createdAt: created, updatedAt: updated, publishedAt: published)
        }
        return nil
    }

    func variants(of product: UUID, staffView: Bool, logger: Logger) async throws -> [Variant] {
        let rows = try await database.client.query("""
            SELECT id, sku, title, options::text, price_minor, compare_at_minor, currency, on_hand, reserved, digital_file
            FROM variants WHERE product_id = \(product) ORDER BY position, created_at
            """, logger: logger)
        var result: [Variant] = []
        let decoder = JSONDecoder()
        for try await (id, sku, title, options, price, compareAt, code, onHand, reserved, digitalFile)
            in rows.decode((UUID, String, String, String, Int64, Int64?, String, Int, Int, String?).self) {
            let currency = try Currency(stored: code)
            result.append(Variant(
                id: id.lowercased, sku: sku, title: title,
                options: (try? decoder.decode([String: String].self, from: Data(options.utf8))) ?? [:],
                price: Money(minorUnits: price, currency: currency),
                compareAtPrice: compareAt.map { Money(minorUnits: $0, currency: currency) },
                available: onHand - reserved, inStock: onHand > reserved,
                onHand: staffView ? onHand : nil, reserved: staffView ? reserved : nil,
                digital: digitalFile != nil, digitalFile: staffView ? digitalFile : nil))
        }
        return result
    }

    func categories(logger: Logger) async throws -> [Category] {
        let rows = try await database.client.query("SELECT id, parent_id, slug, name FROM categories ORDER BY name", logger: logger)
        var result: [Category] = []
        for try await (id, parent, slug, name) in rows.decode((UUID, UUID?, String, String).self) {
            result.append(Category(id: id.lowercased, parentId: parent?.lowercased, slug: slug, name: name))
        }
        return result
    }

    // MARK: Writing

    /// A new store's starter categories, in the transaction that provisions it (a repeat adds none).
    func provisionCategories(_ categories: [(slug: String, name: String)], on connection: PostgresConnection, logger: Logger) async throws {
        for category in categories {
            try await connection.query(
                "INSERT INTO categories (id, slug, name) VALUES (\(UUID()), \(category.slug), \(category.name)) ON CONFLICT DO NOTHING",
                logger: logger)
        }
    }

    func createCategory(slug: String, name: String, parent: UUID?, logger: Logger) async throws -> Category {
        let id = UUID()
        do {
            try await database.client.query(
                "INSERT INTO categories (id, parent_id, slug, name) VALUES (\(id), \(parent), \(slug), \(name))", logger: logger)
        } catch let error where ConstraintViolation(error)?.kind == .unique {
            throw Problem.taken(field: "slug", what: "A category with this slug")
        } catch let error where ConstraintViolation(error)?.kind == .foreignKey {
            throw Problem.validation([.init(field: "parent_id", message: "no such category")])
        }
        return Category(id: id.lowercased, parentId: parent?.lowercased, slug: slug, name: name)
    }

    struct NewVariant: Sendable {
        var sku: String
        var title: String
        var options: [String: String]
        var price: Money
        var compareAtPrice: Money?
        var onHand: Int
        var digitalFile: String?
    }

    struct ProductFields: Sendable {
        var slug: String
        var title: String
        var description: String
        var imageUrls: [String]
        var categoryId: UUID?
    }

    /// Creates a draft product with its variants (initial stock recorded as a movement).
    func create(_ fields: ProductFields, variants: [NewVariant], staffId: UUID?, correlationId: String,
                logger: Logger) async throws -> UUID {
        let id = UUID()
        try await writing(variantField: "variants") {
            try await database.transaction(logger: logger) { connection in
                try await connection.query("""
                    INSERT INTO products (id, slug, title, description, image_urls, category_id)
                    VALUES (\(id), \(fields.slug), \(fields.title), \(fields.description), \(fields.imageUrls), \(fields.categoryId))
                    """, logger: logger)
                for (position, variant) in variants.enumerated() {
                    try await insert(variant, product: id, position: position, staffId: staffId, correlationId: correlationId,
                                     on: connection, logger: logger)
                }
            }
        }
        return id
    }

    /// Adds a variant to a product.
    func addVariant(_ variant: NewVariant, to product: UUID, staffId: UUID?, correlationId: String, logger: Logger) async throws -> UUID {
        try await writing(variantField: nil) {
            try await database.transaction(logger: logger) { connection in
                let rows = try await connection.query(
                    "SELECT count(*)::int8 FROM variants WHERE product_id = \(product)", logger: logger)
                var position = 0
                for try await count in rows.decode(Int.self) { position = count }
                let id = try await insert(variant, product: product, position: position, staffId: staffId,
                                          correlationId: correlationId, on: connection, logger: logger)
                try await announceUpdate(of: product, ifPublished: true, correlationId: correlationId, on: connection, logger: logger)
                return id
            }
        }
    }

    private func insert(_ variant: NewVariant, product: UUID, position: Int, staffId: UUID?, correlationId: String,
                        on connection: PostgresConnection, logger: Logger) async throws -> UUID {
        let id = UUID()
        let options = String(decoding: try JSONEncoder().encode(variant.options), as: UTF8.self)
        try await connection.query("""
            INSERT INTO variants (id, product_id, sku, title, options, price_minor, compare_at_minor, currency, position, digital_file)
            VALUES (\(id), \(product), \(variant.sku), \(variant.title), \(options)::jsonb, \(variant.price.minorUnits),
                    \(variant.compareAtPrice?.minorUnits), \(variant.price.currency.code), \(position)::int4, \(variant.digitalFile))
            """, logger: logger)
        try await refreshListingPrice(of: product, on: connection, logger: logger)
        if variant.onHand > 0 {
            _ = try await inventory.apply(.init(kind: .set, onHandDelta: variant.onHand, reason: "initial stock", staffId: staffId),
                                          to: id, correlationId: correlationId, on: connection, logger: logger)
        }
        return id
    }

    /// Keeps the product's listing price (its cheapest variant's) in step with its variants.
    private func refreshListingPrice(of product: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            UPDATE products p SET price_from_minor = v.price_minor, compare_at_from_minor = v.compare_at_minor, currency = v.currency
            FROM (SELECT price_minor, compare_at_minor, currency FROM variants WHERE product_id = \(product)
                  ORDER BY price_minor, position LIMIT 1) v
            WHERE p.id = \(product)
            """, logger: logger)
    }

    /// Runs a write, turning constraint violations into problems that name the field.
    private func writing<Result>(variantField: String?, _ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error {
            guard let violation = ConstraintViolation(error) else { throw error }
            switch (violation.kind, violation.constraint) {
            case (.unique, "products_slug_key"): throw Problem.taken(field: "slug", what: "A product with this slug")
            case (.unique, "variants_sku_key"):
                throw Problem.taken(field: variantField.map { "\($0)[].sku" } ?? "sku", what: "A variant with this SKU")
            case (.foreignKey, "products_category_id_fkey"): throw Problem.validation([.init(field: "category_id", message: "no such category")])
            case (.foreignKey, "variants_product_id_fkey"): throw Problem.notFound("That product")
            default: throw error
            }
        }
    }

    /// Changes a product's details; a published product's change is announced.
    func update(_ id: UUID, slug: String?, title: String?, description: String?, imageUrls: [String]?, categoryId: UUID??,
                correlationId: String, logger: Logger) async throws -> Bool {
        try await writing(variantField: nil) {
            try await database.transaction(logger: logger) { connection in
                let setCategory = categoryId != nil
                let rows = try await connection.query("""
                    UPDATE products SET slug = coalesce(\(slug), slug), title = coalesce(\(title), title),
                        description = coalesce(\(description), description), image_urls = coalesce(\(imageUrls), image_urls),
                        category_id = CASE WHEN \(setCategory) THEN \(categoryId ?? nil) ELSE category_id END, updated_at = now()
                    WHERE id = \(id) RETURNING status
                    """, logger: logger)
                var found: String?
                for try await status in rows.decode(String.self) { found = status }
                guard let status = found else { return false }
                if status == "published" { try await announceUpdate(of: id, correlationId: correlationId, on: connection, logger: logger) }
                return true
            }
        }
    }

    /// Publishes or archives a product and announces it. A product needs a variant to be
    /// published. Returns false for an unknown product.
    func setStatus(_ id: UUID, to status: String, correlationId: String, logger: Logger) async throws -> Bool {
        try await database.transaction(logger: logger) { connection in
            if status == "published" {
                // No row for a product that does not exist (here): the update below finds none either.
                let rows = try await connection.query("""
                    SELECT count(v.id)::int8 FROM products p LEFT JOIN variants v ON v.product_id = p.id WHERE p.id = \(id) GROUP BY p.id
                    """, logger: logger)
                for try await count in rows.decode(Int.self) where count == 0 {
                    throw Problem(status: .conflict, type: "product-without-variants", title: "A product needs a variant to be published.",
                                  errors: [.init(field: "variants", message: "add at least one variant first")])
                }
            }
            let rows = try await connection.query("""
                UPDATE products SET status = \(status), updated_at = now(), variants_announced = true,
                    published_at = CASE WHEN \(status) = 'published' THEN coalesce(published_at, now()) ELSE published_at END
                WHERE id = \(id) RETURNING id
                """, logger: logger)
            for try await _ in rows {
                guard let snapshot = try await snapshot(of: id, on: connection, logger: logger) else { return false }
                if status == "published" {
                    try await outbox.enqueue(ProductPublished(product: snapshot), subject: id.lowercased, correlationId: correlationId,
                                             on: connection, logger: logger)
                } else {
                    try await outbox.enqueue(ProductArchived(product: snapshot), subject: id.lowercased, correlationId: correlationId,
                                             on: connection, logger: logger)
                }
                return true
            }
            return false
        }
    }

    /// The product as its events describe it, with its variants in display order.
    private func snapshot(of id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> ProductSnapshot? {
        let rows = try await connection.query(
            "SELECT slug, title, status, category_id FROM products WHERE id = \(id)", logger: logger)
        var product: ProductSnapshot?
        for try await (slug, title, status, category) in rows.decode((String, String, String, UUID?).self) {
            product = ProductSnapshot(productId: ProductID(id), slug: slug, title: title, status: status, categoryId: category.map(CategoryID.init))
        }
        guard var product else { return nil }
        let variants = try await connection.query("""
            SELECT id, sku, title, options::text, price_minor, currency, digital_file IS NOT NULL
            FROM variants WHERE product_id = \(id) ORDER BY position, created_at
            """, logger: logger)
        var snapshots: [VariantSnapshot] = []
        for try await (variant, sku, title, options, price, code, digital) in variants.decode((UUID, String, String, String, Int64, String, Bool).self) {
            snapshots.append(VariantSnapshot(
                variantId: VariantID(variant), sku: sku, title: title,
                options: (try? JSONDecoder().decode([String: String].self, from: Data(options.utf8))) ?? [:],
                price: Money(minorUnits: price, currency: try Currency(stored: code)), digital: digital))
        }
        product.variants = snapshots
        return product
    }

    /// Announces a published product's change (`product.updated`, with its variants); with
    /// `ifPublished`, a product not on sale announces nothing.
    private func announceUpdate(of id: UUID, ifPublished: Bool = false, correlationId: String, on connection: PostgresConnection,
                                logger: Logger) async throws {
        guard let snapshot = try await snapshot(of: id, on: connection, logger: logger), !ifPublished || snapshot.status == "published"
        else { return }
        try await outbox.enqueue(ProductUpdated(product: snapshot), subject: id.lowercased, correlationId: correlationId,
                                 on: connection, logger: logger)
        try await connection.query("UPDATE products SET variants_announced = true WHERE id = \(id) AND NOT variants_announced", logger: logger)
    }

    /// Announces again, with their variants, up to `batch` of the store's published products
    /// whose events never told them (published before events carried variants); returns how
    /// many. Replicas share the work (`SKIP LOCKED`).
    func announceVariants(batch: Int = 200, logger: Logger) async throws -> Int {
        try await database.transaction(logger: logger) { connection in
            let rows = try await connection.query("""
                SELECT id FROM products WHERE status = 'published' AND NOT variants_announced
                ORDER BY id LIMIT \(batch)::int4 FOR UPDATE SKIP LOCKED
                """, logger: logger)
            var products: [UUID] = []
            for try await id in rows.decode(UUID.self) { products.append(id) }
            for id in products { try await announceUpdate(of: id, correlationId: "variants-backfill", on: connection, logger: logger) }
            return products.count
        }
    }

    /// Changes a variant's title, options or price; a price change is announced. Returns
    /// the product id, or nil for an unknown variant.
    func updateVariant(_ id: UUID, title: String?, options: [String: String]?, price: Money?, compareAtPrice: Money??, digitalFile: String??,
                       correlationId: String, logger: Logger) async throws -> UUID? {
        try await database.transaction(logger: logger) { connection in
            let current = try await connection.query(
                "SELECT product_id, sku, price_minor, currency FROM variants WHERE id = \(id) FOR UPDATE", logger: logger)
            var found: (UUID, String, Int64, String)?
            for try await row in current.decode((UUID, String, Int64, String).self) { found = row }
            guard let (product, sku, oldPrice, code) = found else { return nil }
            if let price, price.currency.code != code {
                throw Problem.validation([.init(field: "price.currency", message: "must stay \(code); add a new variant for another currency")])
            }
            if let compare = compareAtPrice ?? nil, compare.currency.code != code {
                throw Problem.validation([.init(field: "compare_at_price.currency", message: "must be \(code)")])
            }
            let optionsJSON = try options.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
            let setCompare = compareAtPrice != nil
            let setDigital = digitalFile != nil
            try await connection.query("""
                UPDATE variants SET title = coalesce(\(title), title), options = coalesce(\(optionsJSON)::jsonb, options),
                    price_minor = coalesce(\(price?.minorUnits), price_minor),
                    compare_at_minor = CASE WHEN \(setCompare) THEN \((compareAtPrice ?? nil)?.minorUnits) ELSE compare_at_minor END,
                    digital_file = CASE WHEN \(setDigital) THEN \(digitalFile ?? nil) ELSE digital_file END
                WHERE id = \(id)
                """, logger: logger)
            try await connection.query("UPDATE products SET updated_at = now() WHERE id = \(product)", logger: logger)
            try await refreshListingPrice(of: product, on: connection, logger: logger)
            try await announceUpdate(of: product, ifPublished: true, correlationId: correlationId, on: connection, logger: logger)
            if let price, price.minorUnits != oldPrice {
                let currency = price.currency
                try await outbox.enqueue(
                    PriceChanged(productId: ProductID(product), variantId: VariantID(id), sku: sku,
                                 previousPrice: Money(minorUnits: oldPrice, currency: currency), price: price,
                                 compareAtPrice: compareAtPrice ?? nil),
                    subject: ProductID(product), correlationId: correlationId, on: connection, logger: logger)
            }
            return product
        }
    }
}

extension UUID {
    /// The lower-case form every id takes in the API and in events.
    var lowercased: String { uuidString.lowercased() }
}
