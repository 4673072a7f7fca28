import Foundation

extension EventEnvelope {
    /// The content type of an envelope on the wire.
    public static let contentType = "application/cloudevents+json"

    /// Serialises as a CloudEvents 1.0 structured-mode JSON document, attributes in sorted
    /// order, `data` spliced in as the producer encoded it. The correlation id and the store
    /// are the extension attributes `correlationid` and `storeid` (extension names are
    /// lower-case alphanumerics).
    public func encoded() throws -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 370 + subject.utf8.count + (correlationId?.utf8.count ?? 0))
        func attribute(_ name: String, _ value: String) {
            out.append(contentsOf: Array(",\"\(name)\":".utf8))
            JSONText.quoted(value, into: &out)
        }
        out.append(contentsOf: Array("{\"specversion\":\"\(Self.specVersion)\"".utf8))
        if let correlationId { attribute("correlationid", correlationId) }
        out.append(contentsOf: Array(",\"data\":".utf8))
        let payload = data.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        guard !payload.isEmpty else { throw EventContractError.notAnEnvelope("data is not JSON") }
        out.append(contentsOf: payload)
        attribute("datacontenttype", "application/json")
        attribute("id", id)
        attribute("source", source)
        if let storeId { attribute("storeid", storeId.description) }
        attribute("subject", subject)
        attribute("time", RFC3339.string(from: time))
        attribute("type", type)
        out.append(UInt8(ascii: "}"))
        return Data(out)
    }

    /// Parses a CloudEvents 1.0 structured-mode JSON document. Unknown attributes are ignored;
    /// `data` is kept as the bytes that arrived.
    public static func decode(_ bytes: Data) throws -> EventEnvelope {
        guard let members = try? JSONText.members(of: Array(bytes)) else {
            throw EventContractError.notAnEnvelope("not a JSON object")
        }
        var attributes: [String: String] = [:]
        var payload = Data("null".utf8)
        for (key, value) in members {
            if key == "data" {
                payload = Data(value)
            } else if value.first == UInt8(ascii: "\""), let text = JSONText.string(value) {
                attributes[key] = text
            }
        }
        func attribute(_ name: String) throws -> String {
            guard let value = attributes[name], !value.isEmpty else {
                throw EventContractError.notAnEnvelope("missing attribute '\(name)'")
            }
            return value
        }
        guard try attribute("specversion") == specVersion else {
            throw EventContractError.notAnEnvelope("unsupported specversion")
        }
        guard let time = RFC3339.date(from: try attribute("time")) else {
            throw EventContractError.notAnEnvelope("attribute 'time' is not RFC 3339")
        }
        var storeId: StoreID?
        if let text = attributes["storeid"] {
            guard let id = StoreID(text) else { throw EventContractError.notAnEnvelope("attribute 'storeid' is not a store id") }
            storeId = id
        }
        return EventEnvelope(
            id: try attribute("id"), type: try attribute("type"), source: try attribute("source"), time: time,
            subject: attributes["subject"] ?? "", correlationId: attributes["correlationid"], storeId: storeId, data: payload)
    }
}
