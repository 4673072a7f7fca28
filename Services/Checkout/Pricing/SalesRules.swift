import EventContracts
import Foundation
import Money
import ServiceKit

/// A store's terms of sale at checkout: the payment methods it offers, what shipping costs,
/// the tax by destination, and how long a bank transfer or card checkout waits for its money. Each store keeps its own
/// (``SalesRulesStore``); the original store's are the service's settings until its admins
/// set their own, and a new store starts from those.
struct SalesRules: Sendable, Equatable {
    /// What a customer may pay with (a bank transfer or card also needs the store's payment
    /// accounts, which the payments service keeps).
    var paymentMethods: Set<PaymentMethod> = Set(PaymentMethod.allCases)
    var shipping: ShippingFeeRule
    var tax: TaxRule
    var paymentWindow: Duration

    /// How a checkout under these rules is priced.
    var pricing: CheckoutPricing { CheckoutPricing(shipping: shipping, tax: tax) }

    /// The rules a new store starts with: the deployment's, plus free shipping in the store's
    /// currency when the deployment prices none in it (a store must be able to sell in its
    /// own currency; its admins set the real fees).
    func forNewStore(currency: String) -> SalesRules {
        var rules = self
        if rules.shipping.tiers[currency] == nil { rules.shipping.tiers[currency] = [.init(from: 0, fee: 0)] }
        return rules
    }
}

extension SalesRules {
    /// The rules as the admin API shows and takes them, and as they are kept (`sales_rules.rules`).
    /// Amounts are integer minor units of the tier's currency.
    struct Document: Codable, Sendable, Equatable {
        struct Shipping: Codable, Sendable, Equatable {
            struct Tier: Codable, Sendable, Equatable {
                /// Goods worth at least this much (after discount) ship for `fee`.
                var from: Int64
                var fee: Int64
            }

            var currency: String
            var tiers: [Tier]
        }

        struct Tax: Codable, Sendable, Equatable {
            /// Where the goods ship to (ISO 3166-1 alpha-2).
            var country: String
            var basisPoints: Int64
            /// Inside the prices (Vietnam's VAT) or added on top (a US sales tax).
            var inclusive: Bool
        }

        /// Absent in rules kept before methods were a rule: every method.
        var paymentMethods: [String]?
        var shipping: [Shipping]
        var tax: [Tax]
        var paymentWindowSeconds: Int
    }

    /// The longest a store may let a checkout wait for its money (a day), and the shortest.
    static let paymentWindows = 60...86_400
    /// 422 naming `payment_method` unless these rules offer `method`.
    func check(_ method: PaymentMethod) throws {
        guard !paymentMethods.contains(method) else { return }
        throw Problem.validation([.init(field: "payment_method", message: "is not offered by this store; it takes "
                                            + PaymentMethod.allCases.filter(paymentMethods.contains).map(\.rawValue).joined(separator: ", "))])
    }

    /// The largest amount a tier may name, in minor units.
    static let largestAmount: Int64 = 1_000_000_000_000

    /// The rules a store's admin sent, or a 422 naming every field that is wrong.
    init(_ document: Document) throws {
        var errors: [Problem.FieldError] = []
        self.init(document, errors: &errors)
        guard errors.isEmpty else { throw Problem.validation(errors) }
    }

    /// Rules as kept: written by an admin under these limits, or at provisioning from the
    /// service's settings (whose limits differ, e.g. a payment window of seconds in tests), so
    /// they are taken as they are.
    init(kept document: Document) {
        var ignored: [Problem.FieldError] = []
        self.init(document, errors: &ignored)
    }

    /// The rules `document` says, with what is wrong about it added to `errors`.
    private init(_ document: Document, errors: inout [Problem.FieldError]) {
        var tiers: [String: [ShippingFeeRule.Tier]] = [:]
        for (index, part) in document.shipping.enumerated() {
            let field = "shipping[\(index)]"
            if Currency(code: part.currency) == nil || !Locale.commonISOCurrencyCodes.contains(part.currency) {
                errors.append(.init(field: "\(field).currency", message: "must be an ISO 4217 code such as VND"))
            } else if tiers[part.currency] != nil {
                errors.append(.init(field: "\(field).currency", message: "is given twice"))
            }
            if !part.tiers.contains(where: { $0.from == 0 }) {
                errors.append(.init(field: "\(field).tiers", message: "needs a tier from 0"))
            }
            if Set(part.tiers.map(\.from)).count != part.tiers.count {
                errors.append(.init(field: "\(field).tiers", message: "names the same amount twice"))
            }
            if part.tiers.count > 20 { errors.append(.init(field: "\(field).tiers", message: "may have at most 20 tiers")) }
            for (number, tier) in part.tiers.enumerated()
            where !(0...Self.largestAmount).contains(tier.from) || !(0...Self.largestAmount).contains(tier.fee) {
                errors.append(.init(field: "\(field).tiers[\(number)]", message: "from and fee must be 0 or more minor units"))
            }
            tiers[part.currency] = part.tiers.map { ShippingFeeRule.Tier(from: $0.from, fee: $0.fee) }
        }
        if document.shipping.isEmpty { errors.append(.init(field: "shipping", message: "must price at least one currency")) }
        var rates: [String: TaxRule.Rate] = [:]
        for (index, part) in document.tax.enumerated() {
            let field = "tax[\(index)]"
            if part.country.range(of: "^[A-Z]{2}$", options: .regularExpression) == nil {
                errors.append(.init(field: "\(field).country", message: "must be an ISO 3166-1 alpha-2 code such as VN"))
            } else if rates[part.country] != nil {
                errors.append(.init(field: "\(field).country", message: "is given twice"))
            }
            if !(0...10_000).contains(part.basisPoints) {
                errors.append(.init(field: "\(field).basis_points", message: "must be 0 to 10000 (100 %)"))
            }
            rates[part.country] = TaxRule.Rate(basisPoints: part.basisPoints, inclusive: part.inclusive)
        }
        let methods = (document.paymentMethods ?? PaymentMethod.allCases.map(\.rawValue)).map { PaymentMethod(rawValue: $0) }
        if methods.isEmpty || methods.contains(nil) {
            errors.append(.init(field: "payment_methods",
                                message: "must name one or more of \(PaymentMethod.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        if !Self.paymentWindows.contains(document.paymentWindowSeconds) {
            errors.append(.init(field: "payment_window_seconds",
                                message: "must be \(Self.paymentWindows.lowerBound) to \(Self.paymentWindows.upperBound) seconds"))
        }
        self.init(paymentMethods: Set(methods.compactMap { $0 }), shipping: ShippingFeeRule(tiers: tiers), tax: TaxRule(rates: rates),
                  paymentWindow: .seconds(document.paymentWindowSeconds))
    }

    /// These rules as a document, currencies and countries in alphabetical order.
    var document: Document {
        Document(
            paymentMethods: PaymentMethod.allCases.filter(paymentMethods.contains).map(\.rawValue),
            shipping: shipping.tiers.sorted { $0.key < $1.key }.map { currency, tiers in
                .init(currency: currency, tiers: tiers.map { .init(from: $0.from, fee: $0.fee) })
            },
            tax: tax.rates.sorted { $0.key < $1.key }.map { .init(country: $0.key, basisPoints: $0.value.basisPoints, inclusive: $0.value.inclusive) },
            paymentWindowSeconds: Int(paymentWindow.components.seconds))
    }
}
