import Foundation
import Money

/// A product as its events describe it.
public struct ProductSnapshot: Codable, Sendable, Equatable {
    public var productId: ProductID
    public var slug: String
    public var title: String
    public var status: String
    public var categoryId: CategoryID?
    /// What the product sells, in its display order: present on events since checkout pages
    /// (checkout keeps a copy of what is on sale); absent on older ones.
    public var variants: [VariantSnapshot]?

    public init(productId: ProductID, slug: String, title: String, status: String, categoryId: CategoryID?,
                variants: [VariantSnapshot]? = nil) {
        self.productId = productId
        self.slug = slug
        self.title = title
        self.status = status
        self.categoryId = categoryId
        self.variants = variants
    }
}

/// A variant as product events describe it: what a buyer chooses and pays.
public struct VariantSnapshot: Codable, Sendable, Equatable {
    public var variantId: VariantID
    public var sku: String
    public var title: String
    public var options: [String: String]
    public var price: Money
    /// A download rather than goods that ship.
    public var digital: Bool

    public init(variantId: VariantID, sku: String, title: String, options: [String: String], price: Money, digital: Bool) {
        self.variantId = variantId
        self.sku = sku
        self.title = title
        self.options = options
        self.price = price
        self.digital = digital
    }
}

/// A product became visible to shoppers. Keyed by the product id.
public struct ProductPublished: EventPayload, Equatable {
    public static let eventType = "shop.catalog.product.published.v1"
    public var product: ProductSnapshot
    public init(product: ProductSnapshot) { self.product = product }
}

/// A published product's details changed. Keyed by the product id.
public struct ProductUpdated: EventPayload, Equatable {
    public static let eventType = "shop.catalog.product.updated.v1"
    public var product: ProductSnapshot
    public init(product: ProductSnapshot) { self.product = product }
}

/// A product was withdrawn from sale. Keyed by the product id.
public struct ProductArchived: EventPayload, Equatable {
    public static let eventType = "shop.catalog.product.archived.v1"
    public var product: ProductSnapshot
    public init(product: ProductSnapshot) { self.product = product }
}

/// A variant's price changed. Keyed by the product id.
public struct PriceChanged: EventPayload, Equatable {
    public static let eventType = "shop.catalog.variant.price_changed.v1"

    public var productId: ProductID
    public var variantId: VariantID
    public var sku: String
    public var previousPrice: Money
    public var price: Money
    public var compareAtPrice: Money?

    public init(productId: ProductID, variantId: VariantID, sku: String, previousPrice: Money, price: Money, compareAtPrice: Money?) {
        self.productId = productId
        self.variantId = variantId
        self.sku = sku
        self.previousPrice = previousPrice
        self.price = price
        self.compareAtPrice = compareAtPrice
    }
}

/// A variant's available stock fell to or below the shop's threshold. Keyed by the variant id.
public struct StockLow: EventPayload, Equatable {
    public static let eventType = "shop.catalog.stock.low.v1"

    public var variantId: VariantID
    public var sku: String
    public var available: Int
    public var threshold: Int

    public init(variantId: VariantID, sku: String, available: Int, threshold: Int) {
        self.variantId = variantId
        self.sku = sku
        self.available = available
        self.threshold = threshold
    }
}

/// Every line of a checkout is reserved until `expiresAt`. Keyed by the checkout id.
public struct InventoryReserved: EventPayload, Equatable {
    public static let eventType = "shop.catalog.inventory.reserved.v1"

    public var checkoutId: CheckoutID
    public var reservationId: ReservationID
    public var lines: [CheckoutLine]
    public var expiresAt: Date
    /// The lines priced as the catalog sells them at the moment of reservation: what the
    /// checkout charges, whatever the cart showed earlier.
    public var pricedLines: [PricedLine]
    /// What the checkout's voucher takes off the subtotal (redeemed with the reservation).
    public var discount: Money?
    public var voucherCode: String?

    public init(checkoutId: CheckoutID, reservationId: ReservationID, lines: [CheckoutLine], expiresAt: Date,
                pricedLines: [PricedLine] = [], discount: Money? = nil, voucherCode: String? = nil) {
        self.checkoutId = checkoutId
        self.reservationId = reservationId
        self.lines = lines
        self.expiresAt = expiresAt
        self.pricedLines = pricedLines
        self.discount = discount
        self.voucherCode = voucherCode
    }
}

/// A line the shop cannot supply in full.
public struct ShortLine: Codable, Sendable, Equatable {
    public var variantId: VariantID
    public var requested: Int
    public var available: Int

    public init(variantId: VariantID, requested: Int, available: Int) {
        self.variantId = variantId
        self.requested = requested
        self.available = available
    }
}

/// Nothing of a checkout was reserved because these lines are short (or its voucher cannot
/// be redeemed). Keyed by the checkout id.
public struct InventoryRejected: EventPayload, Equatable {
    public static let eventType = "shop.catalog.inventory.rejected.v1"

    public var checkoutId: CheckoutID
    public var shortLines: [ShortLine]
    /// Why the checkout's voucher could not be redeemed (`used_up`, `expired`, …), when that
    /// is what stopped it; the stock was available.
    public var voucherProblem: String?
    /// Why the cart could not be checked out (`checked_out`, `merged`: it is no longer
    /// active), when that is what stopped it; nothing was reserved.
    public var cartProblem: String?

    public init(checkoutId: CheckoutID, shortLines: [ShortLine], voucherProblem: String? = nil, cartProblem: String? = nil) {
        self.checkoutId = checkoutId
        self.shortLines = shortLines
        self.voucherProblem = voucherProblem
        self.cartProblem = cartProblem
    }
}

/// A reservation ended without a sale (`expired`, `payment_failed`, `order_cancelled`, …).
/// Keyed by the checkout id.
public struct ReservationReleased: EventPayload, Equatable {
    public static let eventType = "shop.catalog.reservation.released.v1"

    public var checkoutId: CheckoutID
    public var reservationId: ReservationID
    public var reason: String

    public init(checkoutId: CheckoutID, reservationId: ReservationID, reason: String) {
        self.checkoutId = checkoutId
        self.reservationId = reservationId
        self.reason = reason
    }
}

/// A sale came up short: the payment arrived after the reservation had been released, and
/// `shortLines` lists what could not be supplied (staff must refund or source those). Only
/// published then; a sale of what was reserved publishes nothing. Keyed by the checkout id.
public struct ReservationCommitted: EventPayload, Equatable {
    public static let eventType = "shop.catalog.reservation.committed.v1"

    public var checkoutId: CheckoutID
    public var reservationId: ReservationID
    public var orderId: OrderID
    public var shortLines: [ShortLine]

    public init(checkoutId: CheckoutID, reservationId: ReservationID, orderId: OrderID, shortLines: [ShortLine]) {
        self.checkoutId = checkoutId
        self.reservationId = reservationId
        self.orderId = orderId
        self.shortLines = shortLines
    }
}

/// One line of a cart as its snapshot carries it.
public struct CartLineSnapshot: Codable, Sendable, Equatable {
    public var variantId: VariantID
    public var productId: ProductID
    public var sku: String
    public var title: String
    public var quantity: Int
    public var unitPrice: Money
    /// True for a digital variant (downloaded, not shipped); absent otherwise.
    public var digital: Bool?

    public init(variantId: VariantID, productId: ProductID, sku: String, title: String, quantity: Int, unitPrice: Money, digital: Bool? = nil) {
        self.digital = digital
        self.variantId = variantId
        self.productId = productId
        self.sku = sku
        self.title = title
        self.quantity = quantity
        self.unitPrice = unitPrice
    }
}

/// The whole cart after a change, so that checkout keeps its own replica without calling the
/// catalog. `version` grows with every change; a replica keeps the highest. Keyed by the cart id.
public struct CartUpdated: EventPayload, Equatable {
    public static let eventType = "shop.catalog.cart.updated.v1"

    public var cartId: CartID
    public var customerId: CustomerID?
    /// `active`, `merged` (into another cart), `checked_out`.
    public var status: String
    public var version: Int
    public var lines: [CartLineSnapshot]
    public var voucherCode: String?
    public var currency: String?
    /// Hex SHA-256 of a guest cart's token, so that checkout can tell the cart's holder from
    /// anyone else without the token itself ever travelling. `nil` for a customer's cart.
    public var guestTokenDigest: String?

    public init(cartId: CartID, customerId: CustomerID?, status: String, version: Int, lines: [CartLineSnapshot],
                voucherCode: String?, currency: String?, guestTokenDigest: String? = nil) {
        self.cartId = cartId
        self.customerId = customerId
        self.status = status
        self.version = version
        self.lines = lines
        self.voucherCode = voucherCode
        self.currency = currency
        self.guestTokenDigest = guestTokenDigest
    }
}

/// A cart with goods in it was left untouched for the configured time; the notifications
/// side may send a reminder. Keyed by the cart id.
public struct CartAbandoned: EventPayload, Equatable {
    public static let eventType = "shop.catalog.cart.abandoned.v1"

    public var cartId: CartID
    public var customerId: CustomerID?
    public var lines: [CartLineSnapshot]
    public var lastChangedAt: Date

    public init(cartId: CartID, customerId: CustomerID?, lines: [CartLineSnapshot], lastChangedAt: Date) {
        self.cartId = cartId
        self.customerId = customerId
        self.lines = lines
        self.lastChangedAt = lastChangedAt
    }
}
