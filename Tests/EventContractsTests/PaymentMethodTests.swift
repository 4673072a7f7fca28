import EventContracts
import Foundation
import Money
import Testing

@Suite("Payment methods, typed once")
struct PaymentMethodTests {
    private func statusChange(method: String) -> Data {
        Data("""
        {"order_id":"6f1c3a52-0b7e-4a35-9d57-2f3c1e0a9b10","order_number":"SHOP-20261202-0001","checkout_id":"0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a","from":"shipped","to":"delivered","actor":"pos",
         "payment_method":"\(method)"}
        """.utf8)
    }

    @Test("each method travels in events as the word it always had")
    func wireWords() throws {
        #expect(PaymentMethod.allCases.map(\.rawValue) == ["cod", "bank_transfer", "card"])
        let change = OrderStatusChanged(orderId: .new(), orderNumber: "SHOP-20261202-0001", checkoutId: .new(), from: "shipped", to: "delivered",
                                        actor: "pos", paymentMethod: .bankTransfer)
        let json = try JSONSerialization.jsonObject(with: try EventCoding.encoder.encode(change)) as? [String: Any]
        #expect(json?["payment_method"] as? String == "bank_transfer")
        #expect(try EventCoding.decoder.decode(OrderStatusChanged.self, from: statusChange(method: "cod")).paymentMethod == .cod)
        #expect("by \(PaymentMethod.bankTransfer)" == "by bank_transfer", "text written for people (an order's timeline) shows the same word")
        #expect(PaymentMethod.cod.paysInAdvance == false && PaymentMethod.card.paysInAdvance && PaymentMethod.bankTransfer.paysInAdvance)
    }

    @Test("an event with a method that is none of them does not decode (the consumer dead-letters it) instead of passing as text")
    func unknownMethodRefused() {
        #expect(throws: DecodingError.self) {
            try EventCoding.decoder.decode(OrderStatusChanged.self, from: statusChange(method: "cheque"))
        }
    }
}
