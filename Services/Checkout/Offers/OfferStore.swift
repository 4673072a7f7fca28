import EventContracts
import Foundation
import Logging
import Money
import Persistence
import PostgresNIO
import ServiceKit

/// Checkout's copy of what the catalog has on sale, variant by variant, built from the
/// catalog's product events (``OfferReplication``): a Buy Now checkout and a checkout page
/// name variants without a cart, and the page shows their titles and prices, without ever
/// calling the catalog. The catalog still decides at reservation: it prices the lines and
/// refuses what is no longer on sale or in stock.
struct OfferStore: Sendable {
    /// One variant on (or withdrawn from) sale.
    struct Offer: Codable, Sendable, Equatable {
        var variantId: String
        var productId: String
        var productTitle: String
        var sku: String
        var title: String
        var options: [String: String]
        var price: Money
        var digital: Bool
        var onSale: Bool
    }

    let database: Database

    /// Keeps the product's variants as `product` lists them; variants it no longer lists are
    /// withdrawn. Older events without variants change only the product's title and status.
    func apply(_ product: ProductSnapshot, on connection: PostgresConnection, logger: Logger) async throws {
        let onSale = product.status == "published"
        guard let variants = product.variants else {
            try await connection.query("""
                UPDATE offers SET product_title = \(product.title), on_sale = \(onSale), updated_at = now()
                WHERE product_id = \(product.productId.uuid)
                """, logger: logger)
            return
        }
        let encoder = JSONEncoder()
        let ids = variants.map(\.variantId.uuid)
        try await connection.query("""
            UPDATE offers SET on_sale = false, updated_at = now() WHERE product_id = \(product.productId.uuid) AND NOT (variant_id = ANY(\(ids)))
            """, logger: logger)
        for variant in variants {
            let options = String(decoding: try encoder.encode(variant.options), as: UTF8.self)
            try await connection.query("""
                INSERT INTO offers (variant_id, product_id, product_title, sku, title, options, price_minor, currency, digital, on_sale)
                VALUES (\(variant.variantId.uuid), \(product.productId.uuid), \(product.title), \(variant.sku), \(variant.title),
                        \(options)::jsonb, \(variant.price.minorUnits), \(variant.price.currency.code), \(variant.digital), \(onSale))
                ON CONFLICT (variant_id) DO UPDATE SET product_id = excluded.product_id, product_title = excluded.product_title,
                    sku = excluded.sku, title = excluded.title, options = excluded.options, price_minor = excluded.price_minor,
                    currency = excluded.currency, digital = excluded.digital, on_sale = excluded.on_sale, updated_at = now()
                """, logger: logger)
        }
    }

    /// A variant's new price.
    func reprice(_ changed: PriceChanged, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            UPDATE offers SET price_minor = \(changed.price.minorUnits), currency = \(changed.price.currency.code), updated_at = now()
            WHERE variant_id = \(changed.variantId.uuid)
            """, logger: logger)
    }

    /// The offers for `variants` that checkout knows, on sale or not, by variant id.
    func offers(_ variants: [UUID], on connection: PostgresConnection, logger: Logger) async throws -> [UUID: Offer] {
        guard !variants.isEmpty else { return [:] }
        let rows = try await connection.query("""
            SELECT variant_id, product_id, product_title, sku, title, options::text, price_minor, currency, digital, on_sale
            FROM offers WHERE variant_id = ANY(\(variants))
            """, logger: logger)
        var found: [UUID: Offer] = [:]
        let decoder = JSONDecoder()
        for try await (variant, product, productTitle, sku, title, options, price, code, digital, onSale)
            in rows.decode((UUID, UUID, String, String, String, String, Int64, String, Bool, Bool).self) {
            found[variant] = Offer(
                variantId: variant.uuidString.lowercased(), productId: product.uuidString.lowercased(), productTitle: productTitle,
                sku: sku, title: title, options: (try? decoder.decode([String: String].self, from: Data(options.utf8))) ?? [:],
                price: Money(minorUnits: price, currency: try Currency(stored: code)), digital: digital, onSale: onSale)
        }
        return found
    }

    /// The basket for `lines` bought without a cart, or 422 naming each line that is not on
    /// sale (as `naming` names the line's variant: `items[0].variant_id`), lines in more than
    /// one currency (`field`), and cash on delivery for downloads.
    func basket(_ lines: [CheckoutLine], field: String, naming: (Int) -> String, method: PaymentMethod?,
                on connection: PostgresConnection, logger: Logger) async throws -> Basket {
        let known = try await offers(lines.map(\.variantId.uuid), on: connection, logger: logger)
        var errors: [Problem.FieldError] = []
        var sold: [Offer] = []
        for (index, line) in lines.enumerated() {
            guard let offer = known[line.variantId.uuid], offer.onSale else {
                errors.append(.init(field: naming(index), message: "is not on sale"))
                continue
            }
            sold.append(offer)
        }
        let currencies = Set(sold.map(\.price.currency.code))
        if currencies.count > 1 { errors.append(.init(field: field, message: "must all be priced in one currency")) }
        if method == .cod, sold.contains(where: \.digital) {
            errors.append(.init(field: "payment_method", message: "cash on delivery is not offered for digital goods; pay by bank transfer or card"))
        }
        guard errors.isEmpty, let currency = currencies.first else { throw Problem.validation(errors) }
        return Basket(cartId: nil, cartVersion: nil, customerId: nil, currency: currency, voucherCode: nil, lines: lines,
                      digitalOnly: sold.allSatisfy(\.digital))
    }

    func offers(_ variants: [UUID], logger: Logger) async throws -> [UUID: Offer] {
        try await database.client.withConnection { try await offers(variants, on: $0, logger: logger) }
    }
}
