import Money
import Persistence
import ServiceKit

/// Tax by the destination country: a rate in basis points, included in prices (Vietnam's
/// VAT on shelf prices) or added on top (a US sales tax). Countries without a rule pay none.
///
/// Configured as `TAX_RULES="VN=1000:inclusive;US=0:exclusive"`.
struct TaxRule: Sendable, Equatable {
    struct Rate: Sendable, Equatable {
        var basisPoints: Int64
        var inclusive: Bool
    }

    var rates: [String: Rate]

    init(rates: [String: Rate]) { self.rates = rates }

    init(parsing text: String) throws {
        var parsed: [String: Rate] = [:]
        for part in text.split(separator: ";") {
            let halves = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let rate = halves.count == 2 ? halves[1].split(separator: ":").map(String.init) : []
            guard halves.count == 2, halves[0].count == 2, halves[0].allSatisfy(\.isUppercase), rate.count == 2,
                  let points = Int64(rate[0]), (0...10_000).contains(points), ["inclusive", "exclusive"].contains(rate[1]) else {
                throw ConfigurationError(variable: "TAX_RULES", reason: "expected CC=basis_points:inclusive|exclusive;…")
            }
            parsed[halves[0]] = Rate(basisPoints: points, inclusive: rate[1] == "inclusive")
        }
        self.init(rates: parsed)
    }

    /// The tax on `taxable` shipped to `country`, and whether it is already inside the price.
    /// Rounded half away from zero.
    func tax(on taxable: Money, country: String) -> (tax: Money, inclusive: Bool) {
        guard let rate = rates[country], rate.basisPoints > 0, taxable.minorUnits > 0 else {
            return (.zero(taxable.currency), rates[country]?.inclusive ?? false)
        }
        let amount = taxable.minorUnits
        let (numerator, denominator) = rate.inclusive
            ? (amount * rate.basisPoints, 10_000 + rate.basisPoints)
            : (amount * rate.basisPoints, Int64(10_000))
        let rounded = (numerator * 2 + denominator) / (denominator * 2)
        return (Money(minorUnits: rounded, currency: taxable.currency), rate.inclusive)
    }
}
