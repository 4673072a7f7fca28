import Foundation
import Hummingbird
import Money

/// A product as the API shows it: to shoppers (published only, availability without stock
/// figures) or to staff (any status, on hand and reserved per variant).
struct Product: ResponseEncodable, Sendable {
    var id: String
    var slug: String
    var title: String
    var description: String
    var imageUrls: [String]
    var status: String
    var category: CategoryRef?
    var variants: [Variant]
    var createdAt: Date
    var updatedAt: Date
    var publishedAt: Date?
}

/// The category a product is filed under.
struct CategoryRef: Codable, Sendable, Equatable {
    var id: String
    var slug: String
    var name: String
}

/// A sellable variant of a product. `onHand` and `reserved` are shown to staff only.
struct Variant: ResponseEncodable, Sendable {
    var id: String
    var sku: String
    var title: String
    var options: [String: String]
    var price: Money
    var compareAtPrice: Money?
    var available: Int
    var inStock: Bool
    var onHand: Int?
    var reserved: Int?
    /// Bought as a download, not shipped.
    var digital: Bool
    /// The file buyers download (staff only).
    var digitalFile: String?
}

/// A product in a list: the lowest variant price and whether anything is in stock.
struct ProductSummary: ResponseEncodable, Sendable {
    var id: String
    var slug: String
    var title: String
    var imageUrl: String?
    var categoryId: String?
    var price: Money?
    var compareAtPrice: Money?
    var inStock: Bool
    var publishedAt: Date?
}

/// A node of the category tree.
struct Category: ResponseEncodable, Sendable {
    var id: String
    var parentId: String?
    var slug: String
    var name: String
}
