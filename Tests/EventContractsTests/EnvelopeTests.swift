import EventContracts
import Foundation
import Testing

@Suite("CloudEvents envelope")
struct EnvelopeTests {
    @Test("round-trips a typed payload through CloudEvents 1.0 structured JSON")
    func roundTrip() throws {
        let envelope = try EventEnvelope(ProbeSent(probeId: "p-1", note: "hi", sentBy: "catalog"), subject: "p-1",
                                         source: "/services/catalog", correlationId: "req-1")
        let json = try JSONSerialization.jsonObject(with: try envelope.encoded()) as! [String: Any]
        #expect(json["specversion"] as? String == "1.0")
        #expect(json["type"] as? String == "shop.probe.sent.v1")
        #expect(json["datacontenttype"] as? String == "application/json")
        #expect(json["correlationid"] as? String == "req-1")
        #expect((json["data"] as? [String: Any])?["probe_id"] as? String == "p-1")
        let decoded = try EventEnvelope.decode(try envelope.encoded())
        #expect(decoded.id == envelope.id)
        #expect(decoded.subject == "p-1")
        #expect(abs(decoded.time.timeIntervalSince(envelope.time)) < 0.001)
        #expect(try decoded.decodeData(ProbeSent.self) == ProbeSent(probeId: "p-1", note: "hi", sentBy: "catalog"))
    }

    @Test("the store travels as the extension attribute storeid; an event from before stores belongs to the original store")
    func storeAttribute() throws {
        let store = StoreID.new()
        let envelope = try EventEnvelope(ProbeSent(probeId: "p-1", note: "hi", sentBy: "catalog"), subject: "p-1",
                                         source: "/services/catalog", correlationId: nil, storeId: store)
        let json = try JSONSerialization.jsonObject(with: try envelope.encoded()) as! [String: Any]
        #expect(json["storeid"] as? String == store.description)
        let decoded = try EventEnvelope.decode(try envelope.encoded())
        #expect(decoded.storeId == store && decoded.store == store)

        let before = """
        {"specversion":"1.0","id":"e1","type":"shop.probe.sent.v1","source":"/x","time":"2026-11-21T10:00:00Z",
         "subject":"s","data":{"probe_id":"p","note":"n","sent_by":"x"}}
        """
        let old = try EventEnvelope.decode(Data(before.utf8))
        #expect(old.storeId == nil)
        #expect(old.store == .original)

        let foreign = before.replacingOccurrences(of: #""subject":"s""#, with: #""subject":"s","storeid":"shop-2""#)
        #expect(throws: EventContractError.notAnEnvelope("attribute 'storeid' is not a store id")) {
            try EventEnvelope.decode(Data(foreign.utf8))
        }
    }

    @Test("unknown attributes and unknown payload fields are ignored, so producers can deploy first")
    func tolerantReader() throws {
        let text = """
        {"specversion":"1.0","id":"e1","type":"shop.probe.sent.v1","source":"/x","time":"2026-11-21T10:00:00Z",
         "subject":"s","newattribute":"later","data":{"probe_id":"p","note":"n","sent_by":"x","added_later":true}}
        """
        let envelope = try EventEnvelope.decode(Data(text.utf8))
        #expect(try envelope.decodeData(ProbeSent.self).probeId == "p")
    }

    @Test("a payload of another type is refused; a document that is not an envelope is rejected")
    func rejectsWrongInput() throws {
        let other = EventEnvelope(type: "shop.other.v1", source: "/x", subject: "s", correlationId: nil, data: Data("{}".utf8))
        #expect(throws: EventContractError.unexpectedType(expected: ProbeSent.eventType, actual: "shop.other.v1")) {
            try other.decodeData(ProbeSent.self)
        }
        #expect(throws: EventContractError.self) { try EventEnvelope.decode(Data("[1,2]".utf8)) }
        #expect(throws: EventContractError.self) { try EventEnvelope.decode(Data(#"{"specversion":"1.0","id":"x"}"#.utf8)) }
    }

    @Test("attributes with quotes, backslashes, control characters and non-ASCII survive; the document is valid JSON")
    func escaping() throws {
        let subject = "cart \"A\"\\b\n\t\u{1}/Hà Nội 🛒"
        let envelope = EventEnvelope(type: "shop.other.v1", source: "/services/x", subject: subject, correlationId: "c\"1",
                                     data: Data(#"{"b":[1,{"c":"}]"}],"a":"\\\"x"}"#.utf8))
        let bytes = try envelope.encoded()
        let object = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
        #expect(object["subject"] as? String == subject)
        #expect(object["correlationid"] as? String == "c\"1")
        let decoded = try EventEnvelope.decode(bytes)
        #expect(decoded.subject == subject && decoded.correlationId == "c\"1")
        #expect(decoded.data == envelope.data, "data travels as the producer wrote it")
        let escaped = #"{"specversion":"1.0","id":"\u00e9\ud83d\uded2","type":"t","source":"\/s","time":"2026-01-01T00:00:00Z","data":null}"#
        let unescaped = try EventEnvelope.decode(Data(escaped.utf8))
        #expect(unescaped.id == "é🛒" && unescaped.source == "/s")
        for broken in [#"{"specversion":"1.0"} x"#, #"{"specversion":"1.0","#, #"{"a":"\q"}"#, "{", "",
                       #"{"specversion":"1.0","id":"i","type":"t","source":"s","time":"2026-13-01T00:00:00Z"}"#,
                       #"{"specversion":"1.0","id":"i","type":"t","source":"s","time":"yesterday"}"#] {
            #expect(throws: EventContractError.self, "refused: \(broken)") { try EventEnvelope.decode(Data(broken.utf8)) }
        }
    }

    @Test("RFC 3339 times: offsets, fractions and the formats others write are read as Foundation reads them")
    func times() throws {
        let reference = ISO8601DateFormatter()
        reference.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let date = Date(timeIntervalSince1970: Double(Int64.random(in: -2_000_000_000_000...4_000_000_000_000, using: &generator)) / 1000)
            let text = try encodedTime(date)
            #expect(text == reference.string(from: date), "written as Foundation writes \(date)")
            #expect(try EventEnvelope.decode(envelopeText(time: text)).time == reference.date(from: text))
        }
        let cases: [(String, Double)] = [
            ("2026-11-21T10:00:00Z", 1_795_255_200), ("2026-11-21T17:00:00+07:00", 1_795_255_200),
            ("2026-11-21t09:30:00.5-00:30", 1_795_255_200.5), ("1969-12-31T23:59:59.250Z", -0.75),
        ]
        for (text, seconds) in cases {
            #expect(try EventEnvelope.decode(envelopeText(time: text)).time.timeIntervalSince1970 == seconds, "\(text)")
        }
    }

    private func encodedTime(_ date: Date) throws -> String {
        let envelope = EventEnvelope(type: "t", source: "s", time: date, subject: "x", correlationId: nil, data: Data("{}".utf8))
        let object = try JSONSerialization.jsonObject(with: try envelope.encoded()) as? [String: Any]
        return object?["time"] as? String ?? ""
    }

    private func envelopeText(time: String) -> Data {
        Data(#"{"specversion":"1.0","id":"i","type":"t","source":"s","time":"\#(time)","data":{}}"#.utf8)
    }

    @Test("topics and dead-letter names")
    func topics() {
        #expect(Topic.all.count == Set(Topic.all).count)
        #expect(Topic.deadLetter(forGroup: "orders") == "orders.dead-letter")
    }
}
