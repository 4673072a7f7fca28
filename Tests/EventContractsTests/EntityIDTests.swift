import EventContracts
import Foundation
import Testing

@Suite("Typed ids and payment statuses")
struct EntityIDTests {
    private let text = "6f1c3a52-0b7e-4a35-9d57-2f3c1e0a9b10"

    private func settled(orderId: String) -> Data {
        Data("""
        {"order_id":"\(orderId)","order_number":"SHOP-20261202-0001","checkout_id":"0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a","status":"paid"}
        """.utf8)
    }

    @Test("an id travels as the lower-case text it always had, and reads back from any case")
    func wireForm() throws {
        let settled = try EventCoding.decoder.decode(OrderSettled.self, from: settled(orderId: text.uppercased()))
        #expect(settled.orderId == OrderID(UUID(uuidString: text)!))
        #expect(settled.orderId.description == text)
        let json = try JSONSerialization.jsonObject(with: try EventCoding.encoder.encode(settled)) as? [String: Any]
        #expect(json?["order_id"] as? String == text)
        #expect(json?["checkout_id"] as? String == "0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a")
        #expect("\(settled.orderId)" == text, "interpolated (a log line, a timeline note) it is the same text")
    }

    @Test("an event whose id is not a UUID does not decode (the consumer dead-letters it) instead of reaching a handler")
    func malformedIdRefused() {
        for bad in ["o", "", "6f1c3a52-0b7e-4a35-9d57", "\(text)x"] {
            #expect(throws: DecodingError.self, "\(bad)") { try EventCoding.decoder.decode(OrderSettled.self, from: settled(orderId: bad)) }
        }
        #expect(OrderID("not an id") == nil)
        #expect(OrderID(text)?.uuid == UUID(uuidString: text))
    }

    @Test("new ids are distinct; ids of different kinds over the same UUID stay different types with equal text")
    func newAndKinds() {
        #expect(OrderID.new() != OrderID.new())
        let uuid = UUID()
        #expect(OrderID(uuid).description == CheckoutID(uuid).description)
    }

    @Test("payment statuses are the API's words; an unknown one does not decode")
    func paymentStatuses() throws {
        #expect(PaymentStatus.allCases.map(\.rawValue) == ["awaiting", "collect_on_delivery", "succeeded", "underpaid", "failed", "cancelled"])
        #expect(try JSONDecoder().decode([PaymentStatus].self, from: Data(#"["collect_on_delivery"]"#.utf8)) == [.collectOnDelivery])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([PaymentStatus].self, from: Data(#"["paid"]"#.utf8)) }
    }
}
