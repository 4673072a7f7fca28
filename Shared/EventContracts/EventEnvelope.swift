import Foundation

/// The one envelope every event on every topic travels in: CloudEvents 1.0, structured
/// JSON mode (`application/cloudevents+json`).
///
/// `data` is kept as raw JSON so that a consumer can read the envelope of an event type it
/// does not know and skip it, and so that unknown fields survive untouched. Decode the
/// payload with ``decodeData(_:)`` once ``type`` tells you what it is.
public struct EventEnvelope: Sendable, Equatable {
    /// CloudEvents `specversion`; always `1.0`.
    public static let specVersion = "1.0"

    /// Unique id of this event; consumers deduplicate on it (the inbox).
    public var id: String
    /// Reverse-DNS style type with a version suffix, e.g. `shop.catalog.probe.sent.v1`.
    public var type: String
    /// The producing service, e.g. `/services/catalog`.
    public var source: String
    /// When the state change happened (the producing transaction), UTC.
    public var time: Date
    /// The aggregate id; also the Kafka message key, so one aggregate's events stay in order.
    public var subject: String
    /// Travels from the originating HTTP request through every event it causes.
    public var correlationId: String?
    /// The store whose state changed (the CloudEvents extension attribute `storeid`). Events
    /// recorded before stores existed carry none; they belong to ``StoreID/original``.
    public var storeId: StoreID?
    /// The payload as JSON bytes.
    public var data: Data

    public init(
        id: String = UUID().uuidString.lowercased(), type: String, source: String, time: Date = Date(),
        subject: String, correlationId: String?, storeId: StoreID? = nil, data: Data
    ) {
        self.id = id
        self.type = type
        self.source = source
        self.time = time
        self.subject = subject
        self.correlationId = correlationId
        self.storeId = storeId
        self.data = data
    }

    /// An envelope around a typed payload.
    public init<Payload: EventPayload>(
        _ payload: Payload, subject: String, source: String, correlationId: String?, storeId: StoreID? = nil,
        id: String = UUID().uuidString.lowercased(), time: Date = Date()
    ) throws {
        self.init(
            id: id, type: Payload.eventType, source: source, time: time, subject: subject,
            correlationId: correlationId, storeId: storeId, data: try EventCoding.encoder.encode(payload))
    }

    /// The store the event belongs to: the one it names, else the original store.
    public var store: StoreID { storeId ?? .original }

    /// Decodes the payload as `Payload`; throws if ``type`` is a different event.
    public func decodeData<Payload: EventPayload>(_: Payload.Type) throws -> Payload {
        guard type == Payload.eventType else {
            throw EventContractError.unexpectedType(expected: Payload.eventType, actual: type)
        }
        return try EventCoding.decoder.decode(Payload.self, from: data)
    }
}

/// Errors reading an envelope or its payload.
public enum EventContractError: Error, Equatable, Sendable {
    case notAnEnvelope(String)
    case unexpectedType(expected: String, actual: String)
}

/// A versioned event payload. The type string is the contract: change the shape
/// incompatibly only under a new type (`…v2`); adding optional fields is compatible.
public protocol EventPayload: Codable, Sendable {
    static var eventType: String { get }
}

/// The JSON settings every event uses: snake_case keys, ISO 8601 dates.
public enum EventCoding {
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
