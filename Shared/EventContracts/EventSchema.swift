import Foundation

/// A JSON Schema (draft 2020-12) of an event payload, generated from its Swift type rather
/// than written by hand, so that it cannot drift from what producers encode and consumers
/// decode.
///
/// ``of(_:)`` decodes the payload type once with a decoder that records what it is asked for
/// (``EventSchemaRecorder``): every key read with `decode` is a required property, every key
/// read with `decodeIfPresent` an optional one, and the Swift type asked for gives the
/// property's schema. Keys are written as the events carry them (snake_case, by
/// ``EventCoding/encoder``'s own conversion).
///
/// Only the keywords the suite's payloads need are modelled: `type` (with `"null"` for a
/// nullable value), `format` (`date-time`, `uuid`, `uri`), `enum` (of strings), `properties`,
/// `required`, `items`, `additionalProperties` (for string-keyed maps) and `$ref`/`$defs`
/// (for recursive types). Objects leave `additionalProperties` open: consumers ignore
/// fields they do not know, so that producers can add optional ones.
///
/// `contracts/events/<type>.schema.json` holds each event type's schema as shipped;
/// ``EventSchemaCompatibility`` tells whether the schema generated now may replace it.
public struct EventSchema: Codable, Equatable, Sendable {
    /// The dialect every generated document names in `$schema`.
    public static let draft202012 = "https://json-schema.org/draft/2020-12/schema"

    /// `$schema`: set on a document's root only.
    public var dialect: String?
    /// `title`: the event type, on a document's root.
    public var title: String?
    /// `$ref`: a reference to a definition in the root's `$defs` (recursive types).
    public var ref: String?
    /// `type`: `object`, `array`, `string`, `integer`, `number` or `boolean`.
    public var type: String?
    /// Whether `null` is accepted too (written as `"type": [<type>, "null"]`).
    public var nullable: Bool
    /// `format`: `date-time`, `uuid` or `uri` for strings that must be one.
    public var format: String?
    /// `enum`: the only strings allowed (a string-backed Swift enum's raw values), sorted.
    public var enumeration: [String]?
    /// `properties` of an object.
    public var properties: [String: EventSchema]?
    /// `required`: the properties every payload carries, sorted.
    public var required: [String]?
    /// `$defs`: definitions of recursive types, on a document's root.
    public var definitions: [String: EventSchema]?
    private var itemsBox: Box?
    private var valuesBox: Box?

    /// `items`: the schema of an array's elements.
    public var items: EventSchema? {
        get { itemsBox?.value }
        set { itemsBox = newValue.map(Box.init) }
    }

    /// `additionalProperties`: the schema of every value of a string-keyed map. Nil for an
    /// object with named properties, whose unknown fields stay allowed.
    public var additionalProperties: EventSchema? {
        get { valuesBox?.value }
        set { valuesBox = newValue.map(Box.init) }
    }

    /// A schema with the keywords given; `enumeration` and `required` are kept sorted.
    public init(type: String? = nil, format: String? = nil, nullable: Bool = false, enumeration: [String]? = nil,
                properties: [String: EventSchema]? = nil, required: [String]? = nil, items: EventSchema? = nil,
                additionalProperties: EventSchema? = nil, ref: String? = nil) {
        self.type = type
        self.format = format
        self.nullable = nullable
        self.enumeration = enumeration.map { $0.sorted() }
        self.properties = properties
        self.required = required.map { $0.sorted() }
        self.ref = ref
        self.items = items
        self.additionalProperties = additionalProperties
    }

    /// The schema document of an event payload: its shape, with `$schema` and the event type
    /// as `title`.
    public static func of<Payload: EventPayload>(_ payload: Payload.Type) throws -> EventSchema {
        var schema = try describing(payload)
        schema.dialect = draft202012
        schema.title = Payload.eventType
        return schema
    }

    /// The schema of any `Decodable` type as the event coding writes it (snake_case keys,
    /// ISO 8601 dates). Throws ``EventSchemaError`` naming the type and the path
    /// when the type cannot be decoded from recorded samples.
    public static func describing<Value: Decodable>(_ type: Value.Type) throws -> EventSchema {
        let recorder = EventSchemaRecorder()
        var schema = try recorder.schema(of: type)
        if !recorder.definitions.isEmpty { schema.definitions = recorder.definitions }
        return schema
    }

    /// The document as committed: pretty printed, keys sorted, one line break at the end.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// A document read back (a committed file, or one written by hand in a test).
    public init(json: Data) throws {
        self = try JSONDecoder().decode(EventSchema.self, from: json)
    }

    // MARK: Codable, with JSON Schema's own key names

    private enum CodingKeys: String, CodingKey {
        case dialect = "$schema", title, ref = "$ref", type, format, enumeration = "enum", properties, required
        case items, additionalProperties, definitions = "$defs"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dialect = try container.decodeIfPresent(String.self, forKey: .dialect)
        title = try container.decodeIfPresent(String.self, forKey: .title)
        ref = try container.decodeIfPresent(String.self, forKey: .ref)
        if let types = try? container.decodeIfPresent([String].self, forKey: .type) {
            nullable = types.contains("null")
            let others = types.filter { $0 != "null" }
            guard others.count <= 1 else {
                throw DecodingError.dataCorruptedError(forKey: .type, in: container, debugDescription: "at most one type besides null")
            }
            type = others.first
        } else {
            type = try container.decodeIfPresent(String.self, forKey: .type)
            nullable = false
        }
        format = try container.decodeIfPresent(String.self, forKey: .format)
        enumeration = try container.decodeIfPresent([String].self, forKey: .enumeration)?.sorted()
        properties = try container.decodeIfPresent([String: EventSchema].self, forKey: .properties)
        required = try container.decodeIfPresent([String].self, forKey: .required)?.sorted()
        definitions = try container.decodeIfPresent([String: EventSchema].self, forKey: .definitions)
        items = try container.decodeIfPresent(EventSchema.self, forKey: .items)
        additionalProperties = try container.decodeIfPresent(EventSchema.self, forKey: .additionalProperties)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(dialect, forKey: .dialect)
        try container.encodeIfPresent(title, forKey: .title)
        try container.encodeIfPresent(ref, forKey: .ref)
        if let type {
            if nullable { try container.encode([type, "null"], forKey: .type) } else { try container.encode(type, forKey: .type) }
        }
        try container.encodeIfPresent(format, forKey: .format)
        try container.encodeIfPresent(enumeration?.sorted(), forKey: .enumeration)
        try container.encodeIfPresent(properties, forKey: .properties)
        try container.encodeIfPresent(required?.sorted(), forKey: .required)
        try container.encodeIfPresent(definitions, forKey: .definitions)
        try container.encodeIfPresent(items, forKey: .items)
        try container.encodeIfPresent(additionalProperties, forKey: .additionalProperties)
    }

    /// Holds a nested schema, which a struct cannot hold directly.
    private final class Box: Equatable, Sendable {
        let value: EventSchema
        init(_ value: EventSchema) { self.value = value }
        static func == (lhs: Box, rhs: Box) -> Bool { lhs.value == rhs.value }
    }
}
