import EventContracts
import Foundation

/// What a checkout buys, wherever it came from: a cart as checkout's replica holds it, or
/// variants named directly (Buy Now, a checkout page) as checkout's copy of the offers on sale
/// describes them. The catalog prices and reserves its lines either way.
struct Basket: Sendable {
    /// The cart checked out, and the version the checkout was made from; nil without a cart.
    var cartId: UUID?
    var cartVersion: Int?
    /// The cart's customer: a customer's cart is checked out as theirs.
    var customerId: UUID?
    var currency: String
    /// The cart's voucher (the request may name another).
    var voucherCode: String?
    var lines: [CheckoutLine]
    /// Every line is a download: nothing ships.
    var digitalOnly: Bool
}

extension CartReplicaStore.Cart {
    /// The cart's lines as a checkout buys them.
    var basket: Basket {
        Basket(cartId: id, cartVersion: version, customerId: customerId, currency: currency ?? "VND", voucherCode: voucherCode,
               lines: lines.map { CheckoutLine(variantId: $0.variantId, quantity: $0.quantity) },
               digitalOnly: !lines.isEmpty && lines.allSatisfy { $0.digital == true })
    }
}
