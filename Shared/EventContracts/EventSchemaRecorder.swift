import Foundation

/// Why a type's schema could not be recorded: the type, where it sits in the payload, and
/// what went wrong (a type whose `init(from:)` accepts none of the recorder's sample values, a
/// required field of the type that contains it, a map keyed by something else than strings).
public struct EventSchemaError: Error, CustomStringConvertible, Sendable {
    public let type: String
    public let path: String
    public let reason: String

    public var description: String { "cannot record the schema of \(type) at `\(path.isEmpty ? "(root)" : path)`: \(reason)" }
}

/// Records the schema of a `Decodable` type by decoding one value of it with a decoder that
/// answers every request with a sample and writes down what was asked (``EventSchema/describing(_:)``).
///
/// - Leaves are known by their Swift type, before their own `init(from:)` runs: `String`,
///   `Bool`, the integers, `Double`/`Float`/`Decimal`, `Date` (`date-time`, as
///   ``EventCoding`` writes it), `UUID` and every ``EntityID`` (`uuid`), `URL` (`uri`), `Data`.
/// - A string-backed `CaseIterable` enum gives an `enum` of its raw values.
/// - Arrays and sets give `items`; string-keyed dictionaries `additionalProperties`;
///   `Optional` a nullable schema.
/// - Anything else is decoded for real: `decode` of a key makes a required property,
///   `decodeIfPresent` (or `contains` first) an optional one; a single-value container is a
///   leaf of what it decoded; an unkeyed one an array. A type that checks the string it
///   decodes (a currency code) is tried with a few sample strings until one is accepted.
/// - A type met again while it is being recorded (a recursive type) becomes a `$ref` to its
///   definition in `$defs`; reached through a required field it cannot be sampled and throws.
final class EventSchemaRecorder {
    /// Definitions of the recursive types met, by type name.
    private(set) var definitions: [String: EventSchema] = [:]
    private var inProgress: [ObjectIdentifier] = []
    private var recursive: Set<ObjectIdentifier> = []
    private var wireNames: [String: String] = [:]

    /// Strings handed to a type's own `init(from:)`, in turn, until it accepts one.
    static let sampleStrings = ["", "00000000-0000-4000-8000-000000000000", "AAA", "1970-01-01T00:00:00Z",
                                "https://example.com/", "someone@example.com", "0", "a"]
    static let sampleUUID = UUID(uuidString: "00000000-0000-4000-8000-000000000000")!

    /// The schema of `type` as the root of a document.
    func schema<Value: Decodable>(of type: Value.Type) throws -> EventSchema {
        try describe(type, path: [], sampleString: "").schema
    }

    /// The schema of `type` and a value of it for the type being decoded around it; the value
    /// is nil only for a reference to a type still being recorded.
    func describe<Value: Decodable>(_ type: Value.Type, path: [String], sampleString: String) throws -> (schema: EventSchema, sample: Value?) {
        if let (schema, sample) = Self.leaf(type, sampleString: sampleString) { return (schema, sample as? Value) }
        if let entity = type as? any EntityID.Type {
            return (EventSchema(type: "string", format: "uuid"), entity.init(Self.sampleUUID) as? Value)
        }
        if let enumeration = type as? any (CaseIterable & RawRepresentable<String>).Type {
            let (values, first) = Self.cases(of: enumeration)
            guard let first = first as? Value else {
                throw EventSchemaError(type: "\(type)", path: Self.text(path), reason: "an enum without cases has no value to decode")
            }
            return (EventSchema(type: "string", enumeration: values), first)
        }
        if let sequence = type as? any SchemaSequenceProbe.Type {
            let (schema, sample) = try sequence.describeSequence(with: self, path: path)
            return (schema, sample as? Value)
        }
        if let map = type as? any SchemaMapProbe.Type {
            let (schema, sample) = try map.describeMap(with: self, path: path)
            return (schema, sample as? Value)
        }
        if let optional = type as? any SchemaOptionalProbe.Type {
            let (schema, sample) = try optional.describeOptional(with: self, path: path)
            return (schema, sample as? Value)
        }
        return try record(type, path: path)
    }

    /// Decodes `type` with a recording decoder, trying each sample string in turn.
    private func record<Value: Decodable>(_ type: Value.Type, path: [String]) throws -> (schema: EventSchema, sample: Value?) {
        let id = ObjectIdentifier(type)
        let name = String(describing: type)
        if inProgress.contains(id) {
            recursive.insert(id)
            return (EventSchema(ref: "#/$defs/\(name)"), nil)
        }
        inProgress.append(id)
        defer { inProgress.removeLast() }
        var firstError: (any Error)?
        for candidate in Self.sampleStrings {
            let root = SchemaNode()
            do {
                let value = try Value(from: RecordingDecoder(recorder: self, node: root, path: path, sampleString: candidate))
                let schema = root.schema()
                if recursive.contains(id) { definitions[name] = schema }
                return (schema, value)
            } catch let failure as EventSchemaError {
                throw failure
            } catch {
                firstError = firstError ?? error
            }
        }
        throw EventSchemaError(type: name, path: Self.text(path), reason: "its init(from:) accepts none of the sample values: \(firstError.map { "\($0)" } ?? "")")
    }

    /// A coding key as the events write it: ``EventCoding/encoder``'s own snake_case conversion.
    func wireName(_ key: String) -> String {
        if let known = wireNames[key] { return known }
        let written = (try? EventCoding.encoder.encode(KeyProbe(key: key)))
            .flatMap { try? JSONDecoder().decode([String: Int].self, from: $0) }?.keys.first ?? key
        wireNames[key] = written
        return written
    }

    static func text(_ path: [String]) -> String {
        path.reduce(into: "") { text, part in text += part == "[]" || part == "{}" || text.isEmpty ? part : ".\(part)" }
    }

    private static func cases<Enumeration: CaseIterable & RawRepresentable<String>>(of _: Enumeration.Type) -> ([String], Enumeration?) {
        (Enumeration.allCases.map(\.rawValue), Enumeration.allCases.first)
    }

    /// The schema and a sample of a type the recorder knows without decoding it.
    private static func leaf(_ type: Any.Type, sampleString: String) -> (EventSchema, Any)? {
        switch type {
        case is String.Type: return (EventSchema(type: "string"), sampleString)
        case is Bool.Type: return (EventSchema(type: "boolean"), false)
        case is Int.Type: return (EventSchema(type: "integer"), 0 as Int)
        case is Int8.Type: return (EventSchema(type: "integer"), 0 as Int8)
        case is Int16.Type: return (EventSchema(type: "integer"), 0 as Int16)
        case is Int32.Type: return (EventSchema(type: "integer"), 0 as Int32)
        case is Int64.Type: return (EventSchema(type: "integer"), 0 as Int64)
        case is UInt.Type: return (EventSchema(type: "integer"), 0 as UInt)
        case is UInt8.Type: return (EventSchema(type: "integer"), 0 as UInt8)
        case is UInt16.Type: return (EventSchema(type: "integer"), 0 as UInt16)
        case is UInt32.Type: return (EventSchema(type: "integer"), 0 as UInt32)
        case is UInt64.Type: return (EventSchema(type: "integer"), 0 as UInt64)
        case is Double.Type: return (EventSchema(type: "number"), 0 as Double)
        case is Float.Type: return (EventSchema(type: "number"), 0 as Float)
        case is Decimal.Type: return (EventSchema(type: "number"), Decimal(0))
        case is Date.Type: return (EventSchema(type: "string", format: "date-time"), Date(timeIntervalSince1970: 0))
        case is UUID.Type: return (EventSchema(type: "string", format: "uuid"), sampleUUID)
        case is URL.Type: return (EventSchema(type: "string", format: "uri"), URL(string: "https://example.com/")!)
        case is Data.Type: return (EventSchema(type: "string"), Data())
        default: return nil
        }
    }

    /// Encodes one key, so that the event encoder's key conversion can be read back.
    private struct KeyProbe: Encodable {
        let key: String

        struct Key: CodingKey {
            let stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(0, forKey: Key(stringValue: key))
        }
    }
}

// MARK: Containers recognised by their type

/// Arrays and sets: an `items` schema from one element.
protocol SchemaSequenceProbe {
    static func describeSequence(with recorder: EventSchemaRecorder, path: [String]) throws -> (EventSchema, Any)
}

extension Array: SchemaSequenceProbe where Element: Decodable {
    static func describeSequence(with recorder: EventSchemaRecorder, path: [String]) throws -> (EventSchema, Any) {
        let (item, sample) = try recorder.describe(Element.self, path: path + ["[]"], sampleString: "")
        return (EventSchema(type: "array", items: item), sample.map { [$0] } ?? [])
    }
}

extension Set: SchemaSequenceProbe where Element: Decodable {
    static func describeSequence(with recorder: EventSchemaRecorder, path: [String]) throws -> (EventSchema, Any) {
        let (item, sample) = try recorder.describe(Element.self, path: path + ["[]"], sampleString: "")
        return (EventSchema(type: "array", items: item), sample.map { Set([$0]) } ?? [])
    }
}

/// Dictionaries: an object whose every value has one schema (JSON writes string and integer
/// keys as an object's member names).
protocol SchemaMapProbe {
    static func describeMap(with recorder: EventSchemaRecorder, path: [String]) throws -> (EventSchema, Any)
}

extension Dictionary: SchemaMapProbe where Key: Decodable, Value: Decodable {
    static func describeMap(with recorder: EventSchemaRecorder, path: [String]) throws -> (EventSchema, Any) {
        guard Key.self == String.self || Key.self == Int.self else {
            throw EventSchemaError(type: "\(Self.self)", path: EventSchemaRecorder.text(path),
                                   reason: "a map's keys must be strings or integers to be a JSON object")
        }
        let (values, _) = try recorder.describe(Value.self, path: path + ["{}"], sampleString: "")
        return (EventSchema(type: "object", additionalProperties: values), [Key: Value]())
    }
}

/// An optional decoded as a value (an element of an array, a map's value): nullable.
protocol SchemaOptionalProbe {
    static func describeOptional(with recorder: EventSchemaRecorder, path: [String]) throws -> (EventSchema, Any)
}

extension Optional: SchemaOptionalProbe where Wrapped: Decodable {
    static func describeOptional(with recorder: EventSchemaRecorder, path: [String]) throws -> (EventSchema, Any) {
        var (schema, _) = try recorder.describe(Wrapped.self, path: path, sampleString: "")
        schema.nullable = true
        return (schema, Wrapped?.none as Any)
    }
}

// MARK: What a decoded type asked for

/// One value being recorded: a leaf, an object of properties or an array of items.
final class SchemaNode {
    enum Shape { case unknown, leaf(EventSchema), object, array }

    var shape = Shape.unknown
    var nullable = false
    var properties: [String: (node: SchemaNode, required: Bool)] = [:]
    var element: SchemaNode?

    init() {}
    init(leaf: EventSchema) { shape = .leaf(leaf) }

    func schema() -> EventSchema {
        var schema: EventSchema
        switch shape {
        case .leaf(let leaf):
            schema = leaf
        case .unknown:
            schema = EventSchema(type: "object", properties: [:], required: [])
        case .object:
            schema = EventSchema(type: "object", properties: properties.mapValues { $0.node.schema() },
                                 required: properties.filter(\.value.required).map(\.key))
        case .array:
            schema = EventSchema(type: "array", items: element?.schema())
        }
        if nullable { schema.nullable = true }
        return schema
    }

    /// Writes down a property; a key asked for twice is required only if every ask required it.
    func add(_ name: String, _ node: SchemaNode, required: Bool) {
        let required = required && (properties[name]?.required ?? true)
        properties[name] = (node, required)
    }
}

struct RecordingDecoder: Decoder {
    let recorder: EventSchemaRecorder
    let node: SchemaNode
    let path: [String]
    let sampleString: String

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        if case .unknown = node.shape { node.shape = .object }
        return KeyedDecodingContainer(RecordingKeyedContainer<Key>(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        if case .unknown = node.shape { node.shape = .array }
        return RecordingUnkeyedContainer(decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        RecordingSingleValueContainer(decoder: self)
    }

    /// Records `type` as a value of `node`'s and hands back its sample.
    func value<Value: Decodable>(_ type: Value.Type, at path: [String]) throws -> (node: SchemaNode, sample: Value) {
        let (schema, sample) = try recorder.describe(type, path: path, sampleString: sampleString)
        guard let sample else {
            throw EventSchemaError(type: "\(type)", path: EventSchemaRecorder.text(path),
                                   reason: "a type that contains itself through a required field has no finite value")
        }
        return (SchemaNode(leaf: schema), sample)
    }
}

/// An object's keys: `decode` required, `decodeIfPresent` (or `contains` first) optional.
struct RecordingKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: RecordingDecoder
    /// Keys whose presence the type checked (`contains`, as `decodeIfPresent` does): optional.
    private let checked = KeyNotes()

    init(decoder: RecordingDecoder) { self.decoder = decoder }

    final class KeyNotes {
        var present: Set<String> = []
        var null: Set<String> = []
    }

    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { [] }

    private func name(_ key: Key) -> String { decoder.recorder.wireName(key.stringValue) }

    func contains(_ key: Key) -> Bool {
        checked.present.insert(name(key))
        return true
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        checked.null.insert(name(key))
        return false
    }

    func decode<Value: Decodable>(_ type: Value.Type, forKey key: Key) throws -> Value {
        let name = name(key)
        let (node, sample) = try decoder.value(type, at: decoder.path + [name])
        // `decodeNil` without `contains` first: the key is always there, maybe as null.
        if checked.null.contains(name) && !checked.present.contains(name) { node.nullable = true }
        decoder.node.add(name, node, required: !checked.present.contains(name))
        return sample
    }

    func decodeIfPresent<Value: Decodable>(_ type: Value.Type, forKey key: Key) throws -> Value? {
        let name = name(key)
        let (schema, _) = try decoder.recorder.describe(type, path: decoder.path + [name], sampleString: decoder.sampleString)
        decoder.node.add(name, SchemaNode(leaf: schema), required: false)
        return nil
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try recorded(type, key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try recorded(type, key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try recorded(type, key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try recorded(type, key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try recorded(type, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try recorded(type, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try recorded(type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try recorded(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try recorded(type, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try recorded(type, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try recorded(type, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try recorded(type, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try recorded(type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try recorded(type, key) }

    private func recorded<Value: Decodable>(_ type: Value.Type, _ key: Key) throws -> Value {
        try decode(type, forKey: key)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try nested(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try nested(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { nested(named: "super") }
    func superDecoder(forKey key: Key) throws -> any Decoder { nested(key) }

    private func nested(_ key: Key) -> RecordingDecoder { nested(named: name(key)) }

    private func nested(named name: String) -> RecordingDecoder {
        let child = SchemaNode()
        decoder.node.add(name, child, required: !checked.present.contains(name))
        return RecordingDecoder(recorder: decoder.recorder, node: child, path: decoder.path + [name], sampleString: decoder.sampleString)
    }
}

/// An array: its elements' schema from the first one decoded; it holds one element.
struct RecordingUnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: RecordingDecoder
    private(set) var currentIndex = 0

    init(decoder: RecordingDecoder) { self.decoder = decoder }

    var codingPath: [any CodingKey] { [] }
    var count: Int? { 1 }
    var isAtEnd: Bool { currentIndex >= 1 }

    mutating func decodeNil() throws -> Bool { false }

    mutating func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
        let (node, sample) = try decoder.value(type, at: decoder.path + ["[]"])
        if decoder.node.element == nil { decoder.node.element = node }
        currentIndex += 1
        return sample
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try recorded(type) }
    mutating func decode(_ type: String.Type) throws -> String { try recorded(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try recorded(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try recorded(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try recorded(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try recorded(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try recorded(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try recorded(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try recorded(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try recorded(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try recorded(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try recorded(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try recorded(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try recorded(type) }

    private mutating func recorded<Value: Decodable>(_ type: Value.Type) throws -> Value { try decode(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try nested().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try nested().unkeyedContainer() }

    mutating func superDecoder() throws -> any Decoder { nested() }

    private mutating func nested() -> RecordingDecoder {
        let child = decoder.node.element ?? SchemaNode()
        decoder.node.element = child
        currentIndex += 1
        return RecordingDecoder(recorder: decoder.recorder, node: child, path: decoder.path + ["[]"], sampleString: decoder.sampleString)
    }
}

/// One value: the node is a leaf of what was decoded.
struct RecordingSingleValueContainer: SingleValueDecodingContainer {
    let decoder: RecordingDecoder

    var codingPath: [any CodingKey] { [] }

    /// A type that asks whether its value is null accepts null.
    func decodeNil() -> Bool {
        decoder.node.nullable = true
        return false
    }

    func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
        let (node, sample) = try decoder.value(type, at: decoder.path)
        if case .leaf(let schema) = node.shape { decoder.node.shape = .leaf(schema) }
        return sample
    }

    func decode(_ type: Bool.Type) throws -> Bool { try recorded(type) }
    func decode(_ type: String.Type) throws -> String { try recorded(type) }
    func decode(_ type: Double.Type) throws -> Double { try recorded(type) }
    func decode(_ type: Float.Type) throws -> Float { try recorded(type) }
    func decode(_ type: Int.Type) throws -> Int { try recorded(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try recorded(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try recorded(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try recorded(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try recorded(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try recorded(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try recorded(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try recorded(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try recorded(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try recorded(type) }

    private func recorded<Value: Decodable>(_ type: Value.Type) throws -> Value { try decode(type) }
}
