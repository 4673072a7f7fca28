import Foundation
import Persistence
import PostgresNIO
import ServiceKit

/// The public listing as a prepared statement: the busiest read of the shop is parsed and
/// planned once per connection instead of on every request. Pages on products alone (sorted
/// by listing price, relevance or publication), then looks at the variants of the page only.
struct ProductListingStatement: PreparedStatement {
    typealias Row = (UUID, String, String, String?, UUID?, Int64?, Int64?, String?, Bool, Date?, Int)

    static let sql = """
        WITH RECURSIVE tree AS (
            SELECT id FROM categories WHERE slug = $1
            UNION ALL SELECT c.id FROM categories c JOIN tree t ON c.parent_id = t.id),
        page AS (
            SELECT p.id, p.slug, p.title, p.image_urls[1] AS image, p.category_id, p.price_from_minor, p.compare_at_from_minor,
                   p.currency, p.published_at, count(*) OVER () AS total,
                   row_number() OVER (ORDER BY
                       CASE WHEN $3 = 'price_asc' THEN p.price_from_minor END ASC NULLS LAST,
                       CASE WHEN $3 = 'price_desc' THEN p.price_from_minor END DESC NULLS LAST,
                       CASE WHEN $3 = 'relevance' THEN ts_rank(p.search, to_tsquery('simple', \(SearchFolding.sql("$2")))) END DESC NULLS LAST,
                       p.published_at DESC, p.id) AS position
            FROM products p
            WHERE p.status = 'published'
              AND ($1::text IS NULL OR p.category_id IN (SELECT id FROM tree))
              AND ($2::text IS NULL OR p.search @@ to_tsquery('simple', \(SearchFolding.sql("$2"))))
            ORDER BY position LIMIT $4 OFFSET $5)
        SELECT id, slug, title, image, category_id, price_from_minor, compare_at_from_minor, currency,
               EXISTS (SELECT 1 FROM variants v WHERE v.product_id = page.id AND v.on_hand > v.reserved), published_at, total
        FROM page ORDER BY position
        """

    static var bindingDataTypes: [PostgresDataType] { [.text, .text, .text, .int4, .int4] }

    var categorySlug: String?
    var tsquery: String?
    var sort: String
    var limit: Int32
    var offset: Int32

    var values: [(any PostgresEncodable & Sendable)?] { [categorySlug, tsquery, sort, limit, offset] }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
