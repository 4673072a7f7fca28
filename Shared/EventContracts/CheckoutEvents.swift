import Foundation

/// One line of a checkout as catalog must reserve it.
public struct CheckoutLine: Codable, Sendable, Equatable {
    public var variantId: VariantID
    public var quantity: Int

    public init(variantId: VariantID, quantity: Int) {
        self.variantId = variantId
        self.quantity = quantity
    }
}

/// A customer submitted a checkout: catalog reserves its lines (all or nothing) and answers
/// with ``InventoryReserved`` or ``InventoryRejected``. Keyed by the checkout id.
public struct CheckoutSubmitted: EventPayload, Equatable {
    public static let eventType = "shop.checkout.submitted.v1"

    public var checkoutId: CheckoutID
    public var cartId: CartID?
    public var customerId: CustomerID?
    public var lines: [CheckoutLine]
    /// The voucher the checkout applies, if any (catalog counts the redemption at placement).
    public var voucherCode: String?

    public init(checkoutId: CheckoutID, cartId: CartID? = nil, customerId: CustomerID? = nil, lines: [CheckoutLine], voucherCode: String? = nil) {
        self.checkoutId = checkoutId
        self.cartId = cartId
        self.customerId = customerId
        self.lines = lines
        self.voucherCode = voucherCode
    }
}

/// A checkout ended without an order: its payment window passed, its payment failed for good,
/// or the customer abandoned it. Catalog releases its reservation.
public struct CheckoutClosed: EventPayload, Equatable {
    public static let eventType = "shop.checkout.closed.v1"

    /// `expired`, `payment_failed`, `abandoned`, `rejected`.
    public var reason: String
    public var checkoutId: CheckoutID

    public init(checkoutId: CheckoutID, reason: String) {
        self.checkoutId = checkoutId
        self.reason = reason
    }
}

/// A checkout's stock is reserved and it is priced: orders creates the order from this
/// snapshot. Keyed by the checkout id.
public struct CheckoutPlaced: EventPayload, Equatable {
    public static let eventType = "shop.checkout.placed.v1"

    public var checkoutId: CheckoutID
    public var customerId: CustomerID?
    public var contact: ContactDetails
    public var shippingAddress: ShippingAddress
    public var paymentMethod: PaymentMethod
    public var lines: [PricedLine]
    public var voucherCode: String?
    public var price: PriceBreakdown
    /// When an unpaid bank transfer or card checkout expires; `nil` for cash on delivery.
    public var paymentDueBy: Date?
    /// The checkout page it was bought on, if any.
    public var page: PageReference?
    /// The buyer's answers to the page's custom fields, in the page's order.
    public var answers: [FieldAnswer]?
    /// Where the invoice goes; nil: the shipping address.
    public var billingAddress: ShippingAddress?
    /// What the buyer told the shop.
    public var customerNote: String?

    public init(checkoutId: CheckoutID, customerId: CustomerID?, contact: ContactDetails, shippingAddress: ShippingAddress,
                paymentMethod: PaymentMethod, lines: [PricedLine], voucherCode: String?, price: PriceBreakdown, paymentDueBy: Date?,
                page: PageReference? = nil, answers: [FieldAnswer]? = nil, billingAddress: ShippingAddress? = nil, customerNote: String? = nil) {
        self.page = page
        self.answers = answers
        self.billingAddress = billingAddress
        self.customerNote = customerNote
        self.checkoutId = checkoutId
        self.customerId = customerId
        self.contact = contact
        self.shippingAddress = shippingAddress
        self.paymentMethod = paymentMethod
        self.lines = lines
        self.voucherCode = voucherCode
        self.price = price
        self.paymentDueBy = paymentDueBy
    }
}
