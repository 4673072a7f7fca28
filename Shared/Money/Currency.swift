/// An ISO 4217 currency: its three-letter code and the number of digits of its minor unit.
///
/// The codes this shop trades in are listed as constants; `Currency(code:)` accepts any
/// well-formed ISO 4217 code and knows the minor-unit digits of the common zero- and
/// three-decimal currencies.
public struct Currency: Sendable, Hashable, Codable, CustomStringConvertible {
    public let code: String

    /// Creates a currency from a three-letter upper-case code, or returns `nil` if malformed.
    public init?(code: String) {
        guard code.count == 3, code.allSatisfy({ $0.isASCII && $0.isUppercase }) else { return nil }
        self.code = code
    }

    /// A currency read back from storage; a code that is not well formed throws (a stored
    /// amount never silently becomes another currency's).
    public init(stored code: String) throws {
        guard let currency = Currency(code: code) else { throw MalformedCurrencyCode(code: code) }
        self = currency
    }

    private init(unchecked code: String) { self.code = code }

    public static let vnd = Currency(unchecked: "VND")
    public static let usd = Currency(unchecked: "USD")
    public static let eur = Currency(unchecked: "EUR")

    /// Digits after the decimal point in this currency's minor unit (VND 0, USD 2, KWD 3).
    public var minorUnitDigits: Int {
        switch code {
        case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
             "VND", "VUV", "XAF", "XOF", "XPF":
            return 0
        case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
            return 3
        default:
            return 2
        }
    }

    public var description: String { code }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        guard let currency = Currency(code: raw) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(raw)' is not an ISO 4217 currency code")
        }
        self = currency
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }
}

/// A currency code that is not three upper-case letters.
public struct MalformedCurrencyCode: Error, CustomStringConvertible {
    public let code: String
    public var description: String { "'\(code.prefix(16))' is not an ISO 4217 currency code" }
}
