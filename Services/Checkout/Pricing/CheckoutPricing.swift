import EventContracts
import Money

/// Prices a reserved checkout: the catalog's prices at reservation, its voucher discount,
/// shipping by the goods' value after discount, tax by the destination.
struct CheckoutPricing: Sendable {
    let shipping: ShippingFeeRule
    let tax: TaxRule

    enum Refusal: Error, Equatable {
        case notShippable(currency: String)
        case mixedCurrencies
    }

    func price(lines: [PricedLine], discount: Money?, country: String) throws -> PriceBreakdown {
        guard let currency = lines.first?.unitPrice.currency else { throw Refusal.mixedCurrencies }
        guard lines.allSatisfy({ $0.lineTotal.currency == currency }), discount.map({ $0.currency == currency }) ?? true else {
            throw Refusal.mixedCurrencies
        }
        let subtotal = try lines.reduce(Money.zero(currency)) { try $0.adding($1.lineTotal) }
        let discount = discount.map { Money(minorUnits: min($0.minorUnits, subtotal.minorUnits), currency: currency) } ?? .zero(currency)
        let goods = try subtotal.subtracting(discount)
        guard let fee = shipping.fee(for: goods) else { throw Refusal.notShippable(currency: currency.code) }
        let (taxAmount, inclusive) = tax.tax(on: goods, country: country)
        var total = try goods.adding(fee)
        if !inclusive { total = try total.adding(taxAmount) }
        return PriceBreakdown(subtotal: subtotal, discount: discount, shipping: fee, tax: taxAmount, taxInclusive: inclusive, total: total)
    }
}
