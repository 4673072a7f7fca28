/// Whether the schema an event type has now may replace the one it shipped with.
///
/// An event type's name is its contract (``EventPayload``): events already written keep being
/// read (a consumer behind, a replay, the relay's republish), and producers deploy before
/// their consumers. So, against the committed schema:
/// - breaking: a property removed; a property's type, format, nullability or allowed values
///   changed (at any depth, array items and map values included); an optional property made
///   required or a required one made optional (consumers that require it meet events without
///   it); a required property added (old events lack it). Consumers decode strictly: a string
///   enum that gains a value fails on consumers not yet redeployed, one that loses a value
///   fails on old events; either is breaking.
/// - compatible: an optional property added (consumers ignore fields they do not know), or
///   only annotations (`title`, `$schema`) changed.
///
/// A breaking change needs a new type (`…v2`) next to the shipped one, never an edit of it.
public enum EventSchemaCompatibility {
    /// One difference between the shipped schema and the current one.
    public struct Change: Equatable, Sendable, CustomStringConvertible {
        /// What changed; every kind but ``addedOptional`` and ``annotation`` breaks.
        public enum Kind: String, Sendable {
            case removed, retyped, becameRequired, becameOptional, addedRequired, addedOptional, annotation
        }

        public let kind: Kind
        /// Where, as `product.slug`, `lines[].sku`, `attributes{}` (a map's values); empty for the root.
        public let path: String
        public let detail: String

        public init(_ kind: Kind, at path: String, _ detail: String) {
            self.kind = kind
            self.path = path
            self.detail = detail
        }

        /// Whether events written under one schema can fail under the other.
        public var isBreaking: Bool { kind != .addedOptional && kind != .annotation }

        public var description: String {
            switch kind {
            case .removed: "field `\(path)` was removed"
            case .retyped: "field `\(pathText)` changed type: \(detail)"
            case .becameRequired: "field `\(path)` was optional and is now required"
            case .becameOptional: "field `\(path)` was required and is now optional"
            case .addedRequired: "field `\(path)` was added as required (events already written lack it)"
            case .addedOptional: "optional field `\(path)` was added"
            case .annotation: "annotations changed: \(detail)"
            }
        }

        private var pathText: String { path.isEmpty ? "(root)" : path }
    }

    /// What replacing the shipped schema with the current one would mean.
    public enum Verdict: Equatable, Sendable {
        /// The same schema.
        case identical
        /// Only compatible changes (listed): regenerate the committed file.
        case compatible([Change])
        /// At least one breaking change (only the breaking ones listed): add a new type instead.
        case breaking([Change])
    }

    /// Compares the shipped (committed) schema with the one generated now.
    public static func verdict(shipped: EventSchema, current: EventSchema) -> Verdict {
        var changes: [Change] = []
        compare(shipped, current, at: "", into: &changes)
        compareDefinitions(shipped.definitions ?? [:], current.definitions ?? [:], into: &changes)
        if shipped.title != current.title || shipped.dialect != current.dialect {
            changes.append(Change(.annotation, at: "", "title \(shipped.title ?? "none") → \(current.title ?? "none"), "
                                  + "$schema \(shipped.dialect ?? "none") → \(current.dialect ?? "none")"))
        }
        let breaking = changes.filter(\.isBreaking)
        if !breaking.isEmpty { return .breaking(breaking) }
        if !changes.isEmpty { return .compatible(changes) }
        return shipped == current ? .identical : .compatible([Change(.annotation, at: "", "the documents differ")])
    }

    /// The type a breaking change goes under: `shop.x.y.v1` → `shop.x.y.v2` (`.v2` appended to
    /// a name without a version).
    public static func nextVersion(of eventType: String) -> String {
        if let dot = eventType.lastIndex(of: "."), eventType[eventType.index(after: dot)...].first == "v",
           let version = Int(eventType[eventType.index(dot, offsetBy: 2)...]) {
            return "\(eventType[..<dot]).v\(version + 1)"
        }
        return "\(eventType).v2"
    }

    private static func compare(_ old: EventSchema, _ new: EventSchema, at path: String, into changes: inout [Change]) {
        if old.ref != nil || new.ref != nil {
            if old.ref != new.ref { changes.append(Change(.retyped, at: path, "\(summary(old)) → \(summary(new))")) }
            return
        }
        guard old.type == new.type, old.nullable == new.nullable, old.format == new.format else {
            changes.append(Change(.retyped, at: path, "\(summary(old)) → \(summary(new))"))
            return
        }
        if Set(old.enumeration ?? []) != Set(new.enumeration ?? []) || (old.enumeration == nil) != (new.enumeration == nil) {
            changes.append(Change(.retyped, at: path, enumerationChange(old.enumeration, new.enumeration)))
        }
        switch old.type {
        case "object":
            compareObjects(old, new, at: path, into: &changes)
        case "array":
            switch (old.items, new.items) {
            case let (oldItems?, newItems?): compare(oldItems, newItems, at: path + "[]", into: &changes)
            case (nil, nil): break
            default: changes.append(Change(.retyped, at: path + "[]", "items \(old.items.map(summary) ?? "any") → \(new.items.map(summary) ?? "any")"))
            }
        default:
            break
        }
    }

    private static func compareObjects(_ old: EventSchema, _ new: EventSchema, at path: String, into changes: inout [Change]) {
        switch (old.additionalProperties, new.additionalProperties) {
        case let (oldValues?, newValues?): compare(oldValues, newValues, at: path + "{}", into: &changes)
        case (nil, nil): break
        default:
            changes.append(Change(.retyped, at: path, old.additionalProperties == nil ? "an object with fields → a map" : "a map → an object with fields"))
            return
        }
        let oldProperties = old.properties ?? [:]
        let newProperties = new.properties ?? [:]
        let oldRequired = Set(old.required ?? [])
        let newRequired = Set(new.required ?? [])
        for name in oldProperties.keys.sorted() {
            let field = path.isEmpty ? name : "\(path).\(name)"
            guard let newProperty = newProperties[name] else {
                changes.append(Change(.removed, at: field, ""))
                continue
            }
            compare(oldProperties[name]!, newProperty, at: field, into: &changes)
            switch (oldRequired.contains(name), newRequired.contains(name)) {
            case (false, true): changes.append(Change(.becameRequired, at: field, ""))
            case (true, false): changes.append(Change(.becameOptional, at: field, ""))
            default: break
            }
        }
        for name in newProperties.keys.sorted() where oldProperties[name] == nil {
            let field = path.isEmpty ? name : "\(path).\(name)"
            changes.append(Change(newRequired.contains(name) ? .addedRequired : .addedOptional, at: field, ""))
        }
    }

    private static func compareDefinitions(_ old: [String: EventSchema], _ new: [String: EventSchema], into changes: inout [Change]) {
        for name in old.keys.sorted() {
            guard let definition = new[name] else {
                changes.append(Change(.removed, at: "$defs/\(name)", ""))
                continue
            }
            compare(old[name]!, definition, at: "$defs/\(name)", into: &changes)
        }
    }

    private static func enumerationChange(_ old: [String]?, _ new: [String]?) -> String {
        switch (old, new) {
        case (nil, _?): return "any string → only \(list(new!))"
        case (_?, nil): return "only \(list(old!)) → any string"
        default:
            let removed = Set(old ?? []).subtracting(new ?? []).sorted()
            let added = Set(new ?? []).subtracting(old ?? []).sorted()
            return [removed.isEmpty ? nil : "values \(list(removed)) removed", added.isEmpty ? nil : "values \(list(added)) added"]
                .compactMap { $0 }.joined(separator: ", ")
        }
    }

    private static func list(_ values: [String]) -> String { values.map { "'\($0)'" }.joined(separator: ", ") }

    /// A schema in a few words: `string (uuid)`, `array`, `$ref #/$defs/Node`, `integer or null`.
    private static func summary(_ schema: EventSchema) -> String {
        if let ref = schema.ref { return "$ref \(ref)" }
        var text = schema.type ?? "any"
        if let format = schema.format { text += " (\(format))" }
        if schema.nullable { text += " or null" }
        return text
    }
}
