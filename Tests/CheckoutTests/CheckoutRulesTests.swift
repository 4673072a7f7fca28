@testable import Checkout
import EventContracts
import Foundation
import Money
import Persistence
import ServiceKit
import Testing

/// Checkout's rules that need no database: contact and address validation, shipping and tax,
/// the session's state machine.
@Suite("Checkout rules")
struct CheckoutRulesTests {
    private func line(_ price: Int64, _ quantity: Int, _ currency: Currency = .vnd) -> PricedLine {
        let unit = Money(minorUnits: price, currency: currency)
        return PricedLine(variantId: .new(), productId: .new(), sku: "S", title: "T", quantity: quantity, unitPrice: unit,
                          lineTotal: Money(minorUnits: price * Int64(quantity), currency: currency))
    }

    @Test("Vietnamese mobile numbers in national and +84 form; others refused")
    func phones() {
        #expect(ContactRules.vietnamesePhone("0912345678") == "0912345678")
        #expect(ContactRules.vietnamesePhone("+84 912 345 678") == "0912345678")
        #expect(ContactRules.vietnamesePhone("84-3-1234-5678") == "0312345678")
        for bad in ["0212345678", "091234567", "09123456789", "+8491234567", "0912a45678", ""] {
            #expect(ContactRules.vietnamesePhone(bad) == nil, "\(bad)")
        }
        #expect(ContactRules.isEmail("lan@example.vn") && !ContactRules.isEmail("lan@example") && !ContactRules.isEmail("l an@example.com"))
    }

    @Test("every bad field is named at once; a VN address needs province and ward, others city and postal code")
    func validation() throws {
        let request = CheckoutRequest(cartId: "nope", cartVersion: -1, contact: ContactDetails(name: " ", email: "x", phone: "123"),
                                      shippingAddress: ShippingAddress(country: "vn", line1: "1 Phố Huế"), paymentMethod: "cheque")
        do {
            _ = try request.validated()
            Issue.record("invalid request accepted")
        } catch let problem as Problem {
            #expect(Set(problem.errors.map(\.field)) == ["cart_id", "cart_version", "payment_method", "contact.name", "contact.email", "contact.phone",
                                                          "shipping_address.province", "shipping_address.ward"])
        }
        let abroad = CheckoutRequest(cartId: UUID().uuidString, contact: ContactDetails(name: "Ann", email: "ann@example.com", phone: "+49 30 1234567"),
                                     shippingAddress: ShippingAddress(country: "DE", line1: "Unter den Linden 1", city: "Berlin", postalCode: "10117"),
                                     paymentMethod: "card")
        #expect(try abroad.validated().request.contact.phone == "+49301234567")
    }

    @Test("Buy Now names items instead of a cart: each bad item is named, and a cart and items together are refused")
    func buyNowItems() throws {
        let contact = ContactDetails(name: "Lan", email: "lan@example.vn", phone: "0912345678")
        let address = ShippingAddress(country: "VN", line1: "1 Phố Huế", ward: "Phường Hai Bà Trưng", province: "Hà Nội")
        let variant = UUID()
        let good = CheckoutRequest(items: [.init(variantId: variant.uuidString, quantity: 2)], contact: contact, shippingAddress: address,
                                   paymentMethod: "cod")
        guard case .items(let lines) = try good.validated().source else { Issue.record("items not taken"); return }
        #expect(lines == [CheckoutLine(variantId: VariantID(variant), quantity: 2)])
        func fields(_ request: CheckoutRequest) -> Set<String> {
            do { _ = try request.validated(); return [] } catch let problem as Problem { return Set(problem.errors.map(\.field)) } catch { return ["?"] }
        }
        var bad = good
        bad.items = [.init(variantId: "nope", quantity: 0), .init(variantId: variant.uuidString, quantity: 1000)]
        #expect(fields(bad) == ["items[0].variant_id", "items[0].quantity", "items[1].quantity"])
        bad.items = [.init(variantId: variant.uuidString, quantity: 1), .init(variantId: variant.uuidString, quantity: 1)]
        #expect(fields(bad) == ["items"])
        bad.items = []
        #expect(fields(bad) == ["items"])
        bad = good
        bad.cartId = UUID().uuidString
        #expect(fields(bad) == ["items"])
        bad = good
        bad.billingAddress = ShippingAddress(country: "VN", line1: "", ward: "Phường Sài Gòn", province: "Hà Nội")
        bad.customerNote = String(repeating: "x", count: 1001)
        #expect(fields(bad) == ["billing_address.line1", "billing_address.ward", "customer_note"], "named as billing, checked as shipping")
        bad.billingAddress = ShippingAddress(country: "de", line1: "Unter den Linden 1", city: "Berlin", postalCode: "10117")
        bad.customerNote = "  Gate code 42  "
        let tidy = try bad.validated().request
        #expect(tidy.billingAddress?.country == "DE" && tidy.customerNote == "Gate code 42")
        bad.items = nil
        bad.cartId = nil
        #expect(fields(bad) == ["cart_id"])
    }

    @Test("shipping by tiers after discount; VAT inside the price or added; mixed currencies refused")
    func pricing() throws {
        let pricing = CheckoutPricing(shipping: try ShippingFeeRule(parsing: "VND=0:30000,500000:0;USD=0:799,10000:0"),
                                      tax: try TaxRule(parsing: "VN=1000:inclusive;US=725:exclusive"))
        let small = try pricing.price(lines: [line(120_000, 2)], discount: nil, country: "VN")
        #expect(small.subtotal.minorUnits == 240_000 && small.shipping.minorUnits == 30_000 && small.total.minorUnits == 270_000)
        #expect(small.tax.minorUnits == 21_818 && small.taxInclusive, "240,000 × 10/110, rounded")
        let free = try pricing.price(lines: [line(260_000, 2)], discount: nil, country: "VN")
        #expect(free.shipping.minorUnits == 0 && free.total.minorUnits == 520_000)
        let discounted = try pricing.price(lines: [line(260_000, 2)], discount: Money(minorUnits: 52_000, currency: .vnd), country: "VN")
        #expect(discounted.shipping.minorUnits == 30_000 && discounted.total.minorUnits == 498_000, "free shipping judged after the discount")
        let us = try pricing.price(lines: [line(4_999, 1, .usd)], discount: nil, country: "US")
        #expect(us.tax.minorUnits == 362 && us.total.minorUnits == 4_999 + 799 + 362 && !us.taxInclusive)
        #expect(throws: CheckoutPricing.Refusal.notShippable(currency: "EUR")) { try pricing.price(lines: [line(100, 1, .eur)], discount: nil, country: "DE") }
        #expect(throws: CheckoutPricing.Refusal.mixedCurrencies) {
            try pricing.price(lines: [line(100, 1), line(100, 1, .usd)], discount: nil, country: "VN")
        }
        #expect(throws: ConfigurationError.self) { try ShippingFeeRule(parsing: "VND=100:0") }
        #expect(throws: ConfigurationError.self) { try TaxRule(parsing: "VN=1000:sometimes") }
    }

    @Test("a store's sales rules: kept as a document and read back the same; every wrong field named at once; a new store can sell in its currency")
    func salesRules() throws {
        let deployment = SalesRules(shipping: try ShippingFeeRule(parsing: "VND=0:30000,500000:0;USD=0:799,10000:0"),
                                    tax: try TaxRule(parsing: "VN=1000:inclusive"), paymentWindow: .seconds(900))
        #expect(try SalesRules(deployment.document) == deployment)
        let text = String(decoding: try EventCoding.encoder.encode(deployment.document), as: UTF8.self)
        #expect(text.contains("\"payment_window_seconds\":900") && text.contains("\"basis_points\":1000"), "\(text)")

        let wrong = SalesRules.Document(
            shipping: [.init(currency: "VND", tiers: [.init(from: 100, fee: 1)]), .init(currency: "VND", tiers: [.init(from: 0, fee: -5)]),
                       .init(currency: "XYZ", tiers: [.init(from: 0, fee: 0), .init(from: 0, fee: 3)])],
            tax: [.init(country: "vn", basisPoints: 1000, inclusive: true), .init(country: "US", basisPoints: 10_001, inclusive: false)],
            paymentWindowSeconds: 10)
        do {
            _ = try SalesRules(wrong)
            Issue.record("wrong rules accepted")
        } catch let problem as Problem {
            #expect(problem.status == .unprocessableContent)
            #expect(Set(problem.errors.map(\.field)) == ["shipping[0].tiers", "shipping[1].currency", "shipping[1].tiers[0]", "shipping[2].currency",
                                                          "shipping[2].tiers", "tax[0].country", "tax[1].basis_points", "payment_window_seconds"])
        }
        #expect(throws: Problem.self) { try SalesRules(.init(shipping: [], tax: [], paymentWindowSeconds: 900)) }
        for methods in [[], ["cod", "cheque"]] {
            do {
                _ = try SalesRules(.init(paymentMethods: methods, shipping: deployment.document.shipping, tax: [], paymentWindowSeconds: 900))
                Issue.record("methods \(methods) accepted")
            } catch let problem as Problem {
                #expect(problem.errors.map(\.field) == ["payment_methods"])
            }
        }
        let cashOnly = try SalesRules(.init(paymentMethods: ["cod"], shipping: deployment.document.shipping, tax: [], paymentWindowSeconds: 900))
        #expect(cashOnly.paymentMethods == [.cod] && cashOnly.document.paymentMethods == ["cod"])
        #expect(throws: Never.self) { try cashOnly.check(.cod) }
        #expect { try cashOnly.check(.card) } throws: { ($0 as? Problem)?.errors.first?.field == "payment_method" }
        #expect(try SalesRules(deployment.document).paymentMethods == Set(PaymentMethod.allCases), "rules kept before methods were a rule offer every method")

        let yen = deployment.forNewStore(currency: "JPY")
        #expect(try yen.pricing.price(lines: [line(1_000, 1, Currency(code: "JPY")!)], discount: nil, country: "JP").shipping.minorUnits == 0,
                "a currency the deployment prices no shipping in starts free, not unsellable")
        #expect(deployment.forNewStore(currency: "USD") == deployment, "one it prices keeps its fees")
    }

    @Test("the session moves only along the saga; settled sessions are final")
    func stateMachine() {
        #expect(CheckoutStatus.sources(of: .completed).sorted() == ["awaiting_payment", "reserved"])
        #expect(CheckoutStatus.sources(of: .expired).sorted() == ["awaiting_payment", "reserved"])
        #expect(CheckoutStatus.sources(of: .rejected) == ["submitted"])
        for final in [CheckoutStatus.completed, .rejected, .expired, .failed, .abandoned] { #expect(final.next.isEmpty) }
    }
}
