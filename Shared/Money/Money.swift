/// An amount of money in integer minor units of one ISO 4217 currency.
///
/// There is no floating point anywhere in this type: `Money(minorUnits: 150_000, currency: .vnd)`
/// is 150,000 ₫ and `Money(minorUnits: 1999, currency: .usd)` is $19.99. Arithmetic between two
/// currencies is a programming error and traps; arithmetic that overflows throws.
public struct Money: Sendable, Hashable, Codable, CustomStringConvertible {
    public let minorUnits: Int64
    public let currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    public static func zero(_ currency: Currency) -> Money { Money(minorUnits: 0, currency: currency) }

    public var isZero: Bool { minorUnits == 0 }
    public var isNegative: Bool { minorUnits < 0 }

    /// Sum of two amounts in the same currency.
    public func adding(_ other: Money) throws(MoneyError) -> Money {
        try checkSameCurrency(other)
        let (value, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        if overflow { throw .overflow }
        return Money(minorUnits: value, currency: currency)
    }

    /// Difference of two amounts in the same currency.
    public func subtracting(_ other: Money) throws(MoneyError) -> Money {
        try checkSameCurrency(other)
        let (value, overflow) = minorUnits.subtractingReportingOverflow(other.minorUnits)
        if overflow { throw .overflow }
        return Money(minorUnits: value, currency: currency)
    }

    /// This amount times a whole quantity (a line total: unit price × quantity).
    public func multiplied(by quantity: Int64) throws(MoneyError) -> Money {
        let (value, overflow) = minorUnits.multipliedReportingOverflow(by: quantity)
        if overflow { throw .overflow }
        return Money(minorUnits: value, currency: currency)
    }

    /// A share of this amount expressed in basis points (1/100 of a percent), rounded half
    /// away from zero to the currency's minor unit. `percentage(basisPoints: 1000)` is 10 %.
    public func percentage(basisPoints: Int64) throws(MoneyError) -> Money {
        let (product, overflow) = minorUnits.multipliedReportingOverflow(by: basisPoints)
        if overflow { throw .overflow }
        let quotient = product / 10_000
        let remainder = product % 10_000
        let rounded = abs(remainder) * 2 >= 10_000 ? quotient + (product < 0 ? -1 : 1) : quotient
        return Money(minorUnits: rounded, currency: currency)
    }

    private func checkSameCurrency(_ other: Money) throws(MoneyError) {
        if other.currency != currency { throw .currencyMismatch(currency, other.currency) }
    }

    /// Human-readable form, e.g. `150000 VND` or `19.99 USD`. Not for parsing.
    public var description: String {
        let digits = currency.minorUnitDigits
        guard digits > 0 else { return "\(minorUnits) \(currency.code)" }
        var divisor: Int64 = 1
        for _ in 0..<digits { divisor *= 10 }
        let sign = minorUnits < 0 ? "-" : ""
        let major = abs(minorUnits) / divisor
        let minor = String(abs(minorUnits) % divisor)
        return "\(sign)\(major).\(String(repeating: "0", count: digits - minor.count))\(minor) \(currency.code)"
    }
}

/// Errors from money arithmetic.
public enum MoneyError: Error, Equatable, Sendable {
    case currencyMismatch(Currency, Currency)
    case overflow
}
