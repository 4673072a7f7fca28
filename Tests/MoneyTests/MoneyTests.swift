import Foundation
import Money
import Testing

@Suite("Money in integer minor units")
struct MoneyTests {
    @Test("adds, subtracts and multiplies in minor units")
    func arithmetic() throws {
        let price = Money(minorUnits: 150_000, currency: .vnd)
        #expect(try price.multiplied(by: 3).minorUnits == 450_000)
        #expect(try price.adding(Money(minorUnits: 30_000, currency: .vnd)).minorUnits == 180_000)
        #expect(try price.subtracting(Money(minorUnits: 200_000, currency: .vnd)).isNegative)
    }

    @Test("refuses to mix currencies and reports overflow instead of wrapping")
    func refusesNonsense() {
        #expect(throws: MoneyError.currencyMismatch(.vnd, .usd)) {
            try Money(minorUnits: 1, currency: .vnd).adding(Money(minorUnits: 1, currency: .usd))
        }
        #expect(throws: MoneyError.overflow) { try Money(minorUnits: .max, currency: .usd).adding(Money(minorUnits: 1, currency: .usd)) }
        #expect(throws: MoneyError.overflow) { try Money(minorUnits: .max / 2, currency: .usd).multiplied(by: 3) }
    }

    @Test("percentages in basis points round half away from zero")
    func percentages() throws {
        #expect(try Money(minorUnits: 1999, currency: .usd).percentage(basisPoints: 1000).minorUnits == 200)
        #expect(try Money(minorUnits: 1995, currency: .usd).percentage(basisPoints: 1000).minorUnits == 200)
        #expect(try Money(minorUnits: 1994, currency: .usd).percentage(basisPoints: 1000).minorUnits == 199)
        #expect(try Money(minorUnits: -1995, currency: .usd).percentage(basisPoints: 1000).minorUnits == -200)
    }

    @Test("currencies know their minor units and print correctly")
    func currencies() {
        #expect(Money(minorUnits: 150_000, currency: .vnd).description == "150000 VND")
        #expect(Money(minorUnits: 1999, currency: .usd).description == "19.99 USD")
        #expect(Money(minorUnits: 5, currency: .usd).description == "0.05 USD")
        #expect(Money(minorUnits: 1234, currency: Currency(code: "KWD")!).description == "1.234 KWD")
        #expect(Currency(code: "usd") == nil)
        #expect(Currency(code: "DOLLAR") == nil)
    }

    @Test("encodes as minor units and a currency code; rejects malformed codes")
    func coding() throws {
        let data = try JSONEncoder().encode(Money(minorUnits: 42, currency: .eur))
        let decoded = try JSONDecoder().decode(Money.self, from: data)
        #expect(decoded == Money(minorUnits: 42, currency: .eur))
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Money.self, from: Data(#"{"minorUnits":1,"currency":"eur"}"#.utf8))
        }
    }
}
