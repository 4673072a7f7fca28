import EventContracts
import Foundation
import Hummingbird
import Money

/// A cart as its owner sees it: each line at today's price (flagged when it changed since
/// the line was added or last seen) with today's availability, and the totals. Shipping and
/// tax belong to checkout.
struct Cart: ResponseEncodable, Sendable {
    var id: CartID
    var status: String
    var currency: String?
    var lines: [CartLine]
    var itemCount: Int
    var subtotal: Money?
    var voucher: AppliedVoucher?
    var discount: Money?
    var total: Money?
    var version: Int
    var updatedAt: Date
    /// Returned once, when a guest cart is created: the secret that opens it.
    var cartToken: String?
}

struct CartLine: ResponseEncodable, Sendable {
    var variantId: VariantID
    var productId: ProductID
    var productSlug: String
    var title: String
    var sku: String
    var options: [String: String]
    var quantity: Int
    var unitPrice: Money
    /// The price the line had before this read, when it differs from today's.
    var previousUnitPrice: Money?
    var priceChanged: Bool
    var available: Int
    /// More is in the cart than the shop has now (or the product is no longer on sale).
    var insufficientStock: Bool
    var lineTotal: Money
    /// Bought as a download, not shipped.
    var digital: Bool
}

/// The voucher a cart carries and what it is worth now, or why it is not.
struct AppliedVoucher: ResponseEncodable, Sendable {
    var code: String
    var valid: Bool
    var reason: String?
}
