import Foundation

extension EventEnvelope {
    /// The content type of an envelope on the wire.
    public static let contentType = "application/cloudevents+json"

    /// Serialises as a CloudEvents 1.0 structured-mode JSON document. The correlation id is
    /// the extension attribute `correlationid` (extension names are lower-case alphanumerics).
    public func encoded() throws -> Data {
        var object: [String: Any] = [
            "specversion": Self.specVersion,
            "id": id,
            "type": type,
            "source": source,
            "time": EventEnvelope.timeFormatter.string(from: time),
            "subject": subject,
            "datacontenttype": "application/json",
            "data": try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
        ]
        if let correlationId { object["correlationid"] = correlationId }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// Parses a CloudEvents 1.0 structured-mode JSON document. Unknown attributes are ignored.
    public static func decode(_ bytes: Data) throws -> EventEnvelope {
        guard let object = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any] else {
            throw EventContractError.notAnEnvelope("not a JSON object")
        }
        func attribute(_ name: String) throws -> String {
            guard let value = object[name] as? String, !value.isEmpty else {
                throw EventContractError.notAnEnvelope("missing attribute '\(name)'")
            }
            return value
        }
        guard try attribute("specversion") == specVersion else {
            throw EventContractError.notAnEnvelope("unsupported specversion")
        }
        let timeText = try attribute("time")
        guard let time = timeFormatter.date(from: timeText) ?? plainTimeFormatter.date(from: timeText) else {
            throw EventContractError.notAnEnvelope("attribute 'time' is not RFC 3339")
        }
        let payload = object["data"].map { value -> Data in
            (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys])) ?? Data("null".utf8)
        } ?? Data("null".utf8)
        return EventEnvelope(
            id: try attribute("id"), type: try attribute("type"), source: try attribute("source"), time: time,
            subject: (object["subject"] as? String) ?? "", correlationId: object["correlationid"] as? String,
            data: payload)
    }

    nonisolated(unsafe) private static let timeFormatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()

    nonisolated(unsafe) private static let plainTimeFormatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter
    }()
}
