import Money
import Persistence
import ServiceKit

/// What shipping costs, per currency, by the goods' value after discount: tiers of
/// "from this amount, this fee". A flat fee with free shipping from a threshold is two tiers
/// (`0:30000,500000:0`: 30,000 ₫, free from 500,000 ₫).
///
/// Configured as `SHIPPING_FEE_TIERS="VND=0:30000,500000:0;USD=0:799,10000:0"`, amounts in
/// minor units.
struct ShippingFeeRule: Sendable, Equatable {
    struct Tier: Sendable, Equatable {
        var from: Int64
        var fee: Int64
    }

    var tiers: [String: [Tier]]

    init(tiers: [String: [Tier]]) {
        self.tiers = tiers.mapValues { $0.sorted { $0.from < $1.from } }
    }

    init(parsing text: String) throws {
        var parsed: [String: [Tier]] = [:]
        for currencyPart in text.split(separator: ";") {
            let halves = currencyPart.split(separator: "=", maxSplits: 1)
            guard halves.count == 2, let currency = Currency(code: String(halves[0]).trimmingCharacters(in: .whitespaces)) else {
                throw ConfigurationError(variable: "SHIPPING_FEE_TIERS", reason: "expected CUR=from:fee,from:fee;CUR=…")
            }
            var tiers: [Tier] = []
            for tier in halves[1].split(separator: ",") {
                let numbers = tier.split(separator: ":").map { Int64($0.trimmingCharacters(in: .whitespaces)) }
                guard numbers.count == 2, let from = numbers[0], let fee = numbers[1], from >= 0, fee >= 0 else {
                    throw ConfigurationError(variable: "SHIPPING_FEE_TIERS", reason: "tier \"\(tier)\" is not from:fee in minor units")
                }
                tiers.append(Tier(from: from, fee: fee))
            }
            guard tiers.contains(where: { $0.from == 0 }) else {
                throw ConfigurationError(variable: "SHIPPING_FEE_TIERS", reason: "\(currency.code) needs a tier from 0")
            }
            parsed[currency.code] = tiers
        }
        self.init(tiers: parsed)
    }

    /// The fee for goods worth `goods`, or nil when the shop does not ship in that currency.
    func fee(for goods: Money) -> Money? {
        guard let tiers = tiers[goods.currency.code] else { return nil }
        let tier = tiers.last { $0.from <= goods.minorUnits } ?? tiers[0]
        return Money(minorUnits: tier.fee, currency: goods.currency)
    }
}
