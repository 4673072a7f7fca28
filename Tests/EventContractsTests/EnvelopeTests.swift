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

    @Test("topics and dead-letter names")
    func topics() {
        #expect(Topic.all.count == Set(Topic.all).count)
        #expect(Topic.deadLetter(forGroup: "orders") == "orders.dead-letter")
    }
}
