import Foundation
import Hummingbird
import Money

/// A promo code: a percentage (optionally capped) or a fixed amount off a cart's subtotal,
/// within a time window, above an optional minimum, for a limited number of uses in total and
/// per customer. Codes compare case-insensitively.
struct Voucher: ResponseEncodable, Sendable {
    enum Kind: String, Codable, Sendable { case percentage, fixed }

    var id: String
    var code: String
    var kind: Kind
    var percent: Int?
    var amount: Money?
    var minimumSubtotal: Money?
    var maximumDiscount: Money?
    var startsAt: Date?
    var endsAt: Date?
    var usageLimit: Int?
    var perCustomerLimit: Int?
    var usedCount: Int
    var active: Bool

    /// Why a voucher does not apply, in the words the storefront shows.
    enum Refusal: String, Error, Sendable {
        case unknown, inactive, notStarted = "not_started", expired, belowMinimum = "below_minimum", usedUp = "used_up"
        case usedByCustomer = "already_used", currency = "wrong_currency", emptyCart = "empty_cart"

        var message: String {
            switch self {
            case .unknown: "No voucher has this code."
            case .inactive: "This voucher is no longer offered."
            case .notStarted: "This voucher is not valid yet."
            case .expired: "This voucher has expired."
            case .belowMinimum: "The cart is below this voucher's minimum."
            case .usedUp: "This voucher has been used up."
            case .usedByCustomer: "You have already used this voucher."
            case .currency: "This voucher is for another currency."
            case .emptyCart: "The cart is empty."
            }
        }
    }

    /// The discount on `subtotal`, or why there is none. `customerUses` is how often this
    /// customer has used it (nil for guests).
    func discount(on subtotal: Money, customerUses: Int?, now: Date = Date()) -> Result<Money, Refusal> {
        guard active else { return .failure(.inactive) }
        if let startsAt, now < startsAt { return .failure(.notStarted) }
        if let endsAt, now >= endsAt { return .failure(.expired) }
        if let usageLimit, usedCount >= usageLimit { return .failure(.usedUp) }
        if let perCustomerLimit, let customerUses, customerUses >= perCustomerLimit { return .failure(.usedByCustomer) }
        guard subtotal.minorUnits > 0 else { return .failure(.emptyCart) }
        if let minimumSubtotal {
            guard minimumSubtotal.currency == subtotal.currency else { return .failure(.currency) }
            if subtotal.minorUnits < minimumSubtotal.minorUnits { return .failure(.belowMinimum) }
        }
        var off: Int64
        switch kind {
        case .percentage:
            off = (try? subtotal.percentage(basisPoints: Int64(percent ?? 0) * 100).minorUnits) ?? 0
            if let maximumDiscount {
                guard maximumDiscount.currency == subtotal.currency else { return .failure(.currency) }
                off = min(off, maximumDiscount.minorUnits)
            }
        case .fixed:
            guard let amount, amount.currency == subtotal.currency else { return .failure(.currency) }
            off = amount.minorUnits
        }
        return .success(Money(minorUnits: min(off, subtotal.minorUnits), currency: subtotal.currency))
    }
}
