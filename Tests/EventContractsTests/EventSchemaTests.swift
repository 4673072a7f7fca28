import EventContracts
import Foundation
import Money
import Testing

/// The committed schema of every event type (`contracts/events/<type>.schema.json`), and the
/// regeneration `COMMERCE_WRITE_EVENT_SCHEMAS=1 swift test --filter EventSchemaTests` runs.
enum CommittedEventSchemas {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("contracts/events")
    static let suffix = ".schema.json"
    /// A type no longer published keeps its file, renamed: its name is never used again.
    static let retiredSuffix = ".retired.schema.json"
    static let regenerate = "COMMERCE_WRITE_EVENT_SCHEMAS=1 swift test --filter EventSchemaTests"

    /// Every payload type of the catalogue, by its event type.
    static let payloads: [String: any EventPayload.Type] = Dictionary(
        EventCatalogue.byTopic.flatMap { $0.types.map { ($0.eventType, $0) } }, uniquingKeysWith: { first, _ in first })

    static func file(of type: String) -> URL { directory.appendingPathComponent(type + suffix) }

    /// The files as committed; with `COMMERCE_WRITE_EVENT_SCHEMAS=1`, first rewritten once
    /// for the whole run: a new type's schema is written, a compatible change overwrites the
    /// committed one, a breaking change is left for the tests to report (a deliberate break
    /// of a type that never shipped is made by deleting its file first, in review's sight).
    private static let preparation: Result<[String], any Error> = Result {
        guard ProcessInfo.processInfo.environment["COMMERCE_WRITE_EVENT_SCHEMAS"] == "1" else { return [] }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var written: [String] = []
        for (type, payload) in payloads.sorted(by: { $0.key < $1.key }) {
            let current = try EventSchema.of(payload)
            let bytes = try current.json()
            let url = file(of: type)
            if let committed = FileManager.default.contents(atPath: url.path) {
                if committed == bytes { continue }
                if case .breaking = EventSchemaCompatibility.verdict(shipped: try EventSchema(json: committed), current: current) { continue }
            }
            try bytes.write(to: url, options: .atomic)
            written.append(type)
        }
        return written
    }

    /// Rewrites the files first when asked to; throws what the rewrite threw.
    static func prepared() throws { _ = try preparation.get() }

    /// What a test says of a breaking change.
    static func breakMessage(_ type: String, _ change: EventSchemaCompatibility.Change) -> String {
        "\(type): \(change), which breaks the shipped contract (contracts/events/\(type)\(suffix)): events already written "
            + "and consumers not yet deployed rely on it. Keep \(type) as it is and add a "
            + "\(EventSchemaCompatibility.nextVersion(of: type)) type (a new payload type in EventCatalogue) for the new shape"
    }
}

@Suite("Event schemas: generated from the payload types, committed, and changed only compatibly")
struct EventSchemaTests {
    // MARK: The committed files

    @Test("every type in the catalogue has a committed schema, and every schema file is a catalogue type's or marked retired")
    func everyTypeCommitted() throws {
        try CommittedEventSchemas.prepared()
        let names = Set((try? FileManager.default.contentsOfDirectory(atPath: CommittedEventSchemas.directory.path)) ?? [])
        let catalogue = Set(EventCatalogue.allTypes)
        for type in EventCatalogue.allTypes.sorted() {
            #expect(names.contains(type + CommittedEventSchemas.suffix),
                    "\(type) has no committed schema: run `\(CommittedEventSchemas.regenerate)` and commit contracts/events")
        }
        for name in names.sorted() {
            if name.hasSuffix(CommittedEventSchemas.retiredSuffix) {
                let type = String(name.dropLast(CommittedEventSchemas.retiredSuffix.count))
                #expect(!catalogue.contains(type),
                        "\(type) was retired (contracts/events/\(name)) and is in EventCatalogue again: a retired type's name is not reused; publish the shape as \(EventSchemaCompatibility.nextVersion(of: type))")
            } else if name.hasSuffix(CommittedEventSchemas.suffix) {
                let type = String(name.dropLast(CommittedEventSchemas.suffix.count))
                #expect(catalogue.contains(type),
                        "contracts/events/\(name) is the schema of no type in EventCatalogue: if \(type) is retired (nothing publishes it any more), rename the file to \(type)\(CommittedEventSchemas.retiredSuffix); do not delete it")
            } else {
                Issue.record("contracts/events/\(name) is not an event schema (<type>\(CommittedEventSchemas.suffix))")
            }
        }
    }

    @Test("the schema generated from each payload type now keeps the committed one, byte for byte", arguments: EventCatalogue.allTypes)
    func keepsShippedSchema(type: String) throws {
        try CommittedEventSchemas.prepared()
        let payload = try #require(CommittedEventSchemas.payloads[type])
        let current = try EventSchema.of(payload)
        guard let committed = FileManager.default.contents(atPath: CommittedEventSchemas.file(of: type).path) else {
            Issue.record("\(type) has no committed schema: run `\(CommittedEventSchemas.regenerate)` and commit contracts/events")
            return
        }
        let shipped = try EventSchema(json: committed)
        switch EventSchemaCompatibility.verdict(shipped: shipped, current: current) {
        case .identical:
            #expect(committed == (try current.json()),
                    "contracts/events/\(type)\(CommittedEventSchemas.suffix) is not as generated: run `\(CommittedEventSchemas.regenerate)`")
        case .compatible(let changes):
            Issue.record("\(type) changed compatibly (\(changes.map(\.description).joined(separator: "; "))): run `\(CommittedEventSchemas.regenerate)` and commit the new contracts/events/\(type)\(CommittedEventSchemas.suffix)")
        case .breaking(let changes):
            for change in changes { Issue.record(Comment(rawValue: CommittedEventSchemas.breakMessage(type, change))) }
        }
    }

    // MARK: The generator

    struct Sample: Decodable {
        enum Colour: String, Decodable, CaseIterable { case red, darkBlue = "dark_blue" }

        struct Line: Decodable {
            var variantId: VariantID
            var unitPrice: Money
            var digital: Bool?
        }

        var orderId: OrderID
        var requestId: UUID
        var createdAt: Date
        var count: Int
        var amount: Int64
        var ratio: Double
        var flag: Bool
        var note: String?
        var colour: Colour
        var line: Line
        var lines: [Line]
        var dueBy: Date?
        var tags: [String: Int]
        var gaps: [String?]
        var link: URL
    }

    private static let string = EventSchema(type: "string")
    private static let uuid = EventSchema(type: "string", format: "uuid")
    private static let money = EventSchema(type: "object", properties: ["minor_units": EventSchema(type: "integer"), "currency": string],
                                           required: ["currency", "minor_units"])

    @Test("a payload's schema: keys as the events write them, decode → required, decodeIfPresent → optional, each Swift type's JSON type")
    func generatesFromDecodable() throws {
        let schema = try EventSchema.describing(Sample.self)
        let line = EventSchema(type: "object", properties: ["variant_id": Self.uuid, "unit_price": Self.money, "digital": EventSchema(type: "boolean")],
                               required: ["unit_price", "variant_id"])
        #expect(schema == EventSchema(
            type: "object",
            properties: [
                "order_id": Self.uuid,
                "request_id": Self.uuid,
                "created_at": EventSchema(type: "string", format: "date-time"),
                "count": EventSchema(type: "integer"),
                "amount": EventSchema(type: "integer"),
                "ratio": EventSchema(type: "number"),
                "flag": EventSchema(type: "boolean"),
                "note": Self.string,
                "colour": EventSchema(type: "string", enumeration: ["red", "dark_blue"]),
                "line": line,
                "lines": EventSchema(type: "array", items: line),
                "due_by": EventSchema(type: "string", format: "date-time"),
                "tags": EventSchema(type: "object", additionalProperties: EventSchema(type: "integer")),
                "gaps": EventSchema(type: "array", items: EventSchema(type: "string", nullable: true)),
                "link": EventSchema(type: "string", format: "uri"),
            ],
            required: ["amount", "colour", "count", "created_at", "flag", "line", "lines", "link", "order_id", "ratio", "request_id", "tags", "gaps"]))
    }

    /// Checks the code it decodes, and reads a key only when it is there.
    struct Custom: Decodable {
        let code: String
        let legacyCount: Int?

        enum CodingKeys: String, CodingKey { case code, legacyCount }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let code = try container.decode(String.self, forKey: .code)
            guard code.count == 3 else { throw DecodingError.dataCorruptedError(forKey: .code, in: container, debugDescription: "not a code") }
            self.code = code
            legacyCount = container.contains(.legacyCount) ? try container.decode(Int.self, forKey: .legacyCount) : nil
        }
    }

    @Test("a type with its own init(from:) is recorded from what it asks for, even when it checks the strings it reads")
    func customDecoding() throws {
        #expect(try EventSchema.describing(Custom.self)
            == EventSchema(type: "object", properties: ["code": Self.string, "legacy_count": EventSchema(type: "integer")], required: ["code"]))
        #expect(try EventSchema.describing(Currency.self) == Self.string, "a currency travels as its code")
        #expect(try EventSchema.describing(Money.self) == Self.money)
    }

    final class Tree: Decodable {
        let name: String
        let children: [Tree]
        let parent: Tree?
    }

    final class Chain: Decodable {
        let next: Chain
    }

    @Test("a recursive type refers to its definition instead of recursing; one that needs itself to exist cannot be sampled")
    func recursion() throws {
        let schema = try EventSchema.describing(Tree.self)
        let reference = EventSchema(ref: "#/$defs/Tree")
        let tree = EventSchema(type: "object", properties: ["name": Self.string, "children": EventSchema(type: "array", items: reference), "parent": reference],
                               required: ["children", "name"])
        var expected = tree
        expected.definitions = ["Tree": tree]
        #expect(schema == expected)
        let failure = #expect(throws: EventSchemaError.self) { try EventSchema.describing(Chain.self) }
        #expect(failure?.path == "next")
    }

    @Test("the document is deterministic: sorted keys, sorted required, pretty printed, the event type as title")
    func deterministic() throws {
        let first = try EventSchema.of(CheckoutPlaced.self).json()
        let second = try EventSchema.of(CheckoutPlaced.self).json()
        #expect(first == second)
        let text = String(decoding: first, as: UTF8.self)
        #expect(text.hasPrefix("{\n  \"$schema\" : \"https://json-schema.org/draft/2020-12/schema\",\n"))
        #expect(text.hasSuffix("}\n"))
        #expect(text.contains("\"title\" : \"shop.checkout.placed.v1\""))
        #expect(try EventSchema(json: first) == EventSchema.of(CheckoutPlaced.self), "a committed file reads back as the schema it was written from")
    }

    @Test("a real payload, as the event encoder writes it, has exactly the schema's properties, types and required fields")
    func describesEncodedPayloads() throws {
        let vnd = { (minor: Int64) in Money(minorUnits: minor, currency: .vnd) }
        let line = PricedLine(variantId: .new(), productId: .new(), sku: "TEE-M", title: "Tee", quantity: 2, unitPrice: vnd(100_000),
                              lineTotal: vnd(200_000), digitalFile: "tee.pdf")
        let placed = CheckoutPlaced(
            checkoutId: .new(), customerId: .new(), contact: ContactDetails(name: "Ana", email: "ana@example.com", phone: "0901234567"),
            shippingAddress: ShippingAddress(country: "VN", line1: "1 Le Loi", line2: "floor 2", ward: "Ben Nghe", district: "1",
                                             province: "HCM", city: "HCMC", postalCode: "700000"),
            paymentMethod: .bankTransfer, lines: [line], voucherCode: "TET",
            price: PriceBreakdown(subtotal: vnd(200_000), discount: vnd(0), shipping: vnd(30_000), tax: vnd(0), taxInclusive: true, total: vnd(230_000)),
            paymentDueBy: Date(), page: PageReference(pageId: .new(), slug: "tet", title: "Tết"),
            answers: [FieldAnswer(key: "wrapping", label: "Wrapping", type: "select", value: "silk")],
            billingAddress: ShippingAddress(country: "VN", line1: "2 Le Loi", line2: "b", ward: "Ben Nghe", district: "1", province: "HCM",
                                            city: "HCMC", postalCode: "700000"), customerNote: "Gate code 42")
        let reserved = InventoryReserved(checkoutId: .new(), reservationId: .new(), lines: [CheckoutLine(variantId: .new(), quantity: 2)],
                                         expiresAt: Date(), pricedLines: [line], discount: vnd(10_000), voucherCode: "TET")
        for (payload, type) in [(placed as any EventPayload, CheckoutPlaced.self as any EventPayload.Type), (reserved, InventoryReserved.self)] {
            let json = try JSONDecoder().decode(JSON.self, from: EventCoding.encoder.encode(payload))
            let mismatches = Self.mismatches(json, try EventSchema.of(type), at: "")
            #expect(mismatches.isEmpty, "\(type.eventType): \(mismatches)")
        }
    }

    /// A JSON value as the encoder wrote it.
    enum JSON: Decodable {
        case object([String: JSON]), array([JSON]), string(String), number(Double), bool(Bool), null

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null }
            else if let flag = try? container.decode(Bool.self) { self = .bool(flag) }
            else if let number = try? container.decode(Double.self) { self = .number(number) }
            else if let text = try? container.decode(String.self) { self = .string(text) }
            else if let array = try? container.decode([JSON].self) { self = .array(array) }
            else { self = .object(try container.decode([String: JSON].self)) }
        }
    }

    /// Where `value` (every optional field set) is not what `schema` says.
    private static func mismatches(_ value: JSON, _ schema: EventSchema, at path: String) -> [String] {
        switch (schema.type, value) {
        case ("object", .object(let object)):
            let properties = schema.properties ?? [:]
            var found = Set(object.keys).symmetricDifference(properties.keys).sorted().map { "\(path).\($0): in one of payload and schema only" }
            found += Set(schema.required ?? []).subtracting(object.keys).sorted().map { "\(path).\($0): required, missing" }
            for (key, member) in object.sorted(by: { $0.key < $1.key }) {
                if let property = properties[key] { found += mismatches(member, property, at: "\(path).\(key)") }
            }
            return found
        case ("array", .array(let array)):
            guard let items = schema.items else { return ["\(path): an array without items"] }
            return array.flatMap { mismatches($0, items, at: "\(path)[]") }
        case ("string", .string(let text)):
            if schema.format == "uuid", UUID(uuidString: text) == nil { return ["\(path): '\(text)' is not a uuid"] }
            if schema.format == "date-time", RFC3339.date(from: text) == nil { return ["\(path): '\(text)' is not a date-time"] }
            if let allowed = schema.enumeration, !allowed.contains(text) { return ["\(path): '\(text)' is not allowed"] }
            return []
        case ("integer", .number(let number)):
            return number.rounded() == number ? [] : ["\(path): \(number) is not an integer"]
        case ("number", .number), ("boolean", .bool):
            return []
        default:
            return ["\(path): \(value) is not \(schema.type ?? "?")"]
        }
    }

    @Test("the catalogue's payloads: typed ids are uuids, money is minor units and a code, methods are an enum, optional fields are optional")
    func cataloguePayloads() throws {
        let placed = try EventSchema.of(CheckoutPlaced.self)
        #expect(placed.properties?["checkout_id"] == Self.uuid)
        #expect(placed.properties?["payment_method"] == EventSchema(type: "string", enumeration: ["bank_transfer", "card", "cod"]))
        #expect(placed.properties?["price"]?.properties?["total"] == Self.money)
        #expect(placed.properties?["shipping_address"]?.required == ["country", "line1"])
        #expect(placed.required == ["checkout_id", "contact", "lines", "payment_method", "price", "shipping_address"])
        for payload in CommittedEventSchemas.payloads.values {
            #expect(try EventSchema.of(payload).title == payload.eventType)
        }
    }

    // MARK: The comparison

    private static let shipped = """
        {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "shop.test.thing.happened.v1", "type": "object",
         "required": ["id", "lines"],
         "properties": {
           "id": {"type": "string", "format": "uuid"},
           "note": {"type": "string"},
           "channel": {"type": "string", "enum": ["web", "pos"]},
           "lines": {"type": "array", "items": {"type": "object", "required": ["quantity", "sku"],
                     "properties": {"sku": {"type": "string"}, "quantity": {"type": "integer"}}}}}}
        """

    /// The shipped schema above with `edit` applied to its text.
    private static func edited(_ edit: (String) -> String) throws -> EventSchema {
        let text = edit(shipped)
        #expect(text != shipped, "the edit changed something")
        return try EventSchema(json: Data(text.utf8))
    }

    private static func verdict(_ edit: (String) -> String) throws -> EventSchemaCompatibility.Verdict {
        EventSchemaCompatibility.verdict(shipped: try EventSchema(json: Data(shipped.utf8)), current: try edited(edit))
    }

    @Test("a field removed, at the top or inside array items, breaks")
    func removedBreaks() throws {
        #expect(try Self.verdict { $0.replacingOccurrences(of: #""note": {"type": "string"},"#, with: "") }
            == .breaking([.init(.removed, at: "note", "")]))
        #expect(try Self.verdict { $0.replacingOccurrences(of: #""sku": {"type": "string"}, "#, with: "").replacingOccurrences(of: #"["quantity", "sku"]"#, with: #"["quantity"]"#) }
            == .breaking([.init(.removed, at: "lines[].sku", "")]))
    }

    @Test("a field retyped (type, format, enum values) breaks")
    func retypedBreaks() throws {
        #expect(try Self.verdict { $0.replacingOccurrences(of: #""quantity": {"type": "integer"}"#, with: #""quantity": {"type": "string"}"#) }
            == .breaking([.init(.retyped, at: "lines[].quantity", "integer → string")]))
        #expect(try Self.verdict { $0.replacingOccurrences(of: #", "format": "uuid""#, with: "") }
            == .breaking([.init(.retyped, at: "id", "string (uuid) → string")]))
        #expect(try Self.verdict { $0.replacingOccurrences(of: #""note": {"type": "string"}"#, with: #""note": {"type": ["string", "null"]}"#) }
            == .breaking([.init(.retyped, at: "note", "string → string or null")]))
        #expect(try Self.verdict { $0.replacingOccurrences(of: #"["web", "pos"]"#, with: #"["web", "pos", "app"]"#) }
            == .breaking([.init(.retyped, at: "channel", "values 'app' added")]))
        #expect(try Self.verdict { $0.replacingOccurrences(of: #"["web", "pos"]"#, with: #"["web"]"#) }
            == .breaking([.init(.retyped, at: "channel", "values 'pos' removed")]))
    }

    @Test("an optional field made required, a required one made optional, or a required one added breaks")
    func requirednessBreaks() throws {
        #expect(try Self.verdict { $0.replacingOccurrences(of: #"["id", "lines"]"#, with: #"["id", "lines", "note"]"#) }
            == .breaking([.init(.becameRequired, at: "note", "")]))
        #expect(try Self.verdict { $0.replacingOccurrences(of: #"["id", "lines"]"#, with: #"["lines"]"#) }
            == .breaking([.init(.becameOptional, at: "id", "")]))
        #expect(try Self.verdict {
            $0.replacingOccurrences(of: #"["id", "lines"]"#, with: #"["id", "lines", "total"]"#)
                .replacingOccurrences(of: #""note": {"type": "string"},"#, with: #""note": {"type": "string"}, "total": {"type": "integer"},"#)
        } == .breaking([.init(.addedRequired, at: "total", "")]))
    }

    @Test("an optional field added is compatible (the committed file is regenerated); the same schema is identical")
    func additionsCompatible() throws {
        #expect(try Self.verdict { $0.replacingOccurrences(of: #""note": {"type": "string"},"#, with: #""note": {"type": "string"}, "gift": {"type": "boolean"},"#) }
            == .compatible([.init(.addedOptional, at: "gift", "")]))
        #expect(try Self.verdict { $0.replacingOccurrences(of: #""sku": {"type": "string"}, "#, with: #""sku": {"type": "string"}, "note": {"type": "string"}, "#) }
            == .compatible([.init(.addedOptional, at: "lines[].note", "")]))
        let reordered = try Self.edited { $0.replacingOccurrences(of: #"["id", "lines"]"#, with: #"["lines", "id"]"#) }
        #expect(EventSchemaCompatibility.verdict(shipped: try EventSchema(json: Data(Self.shipped.utf8)), current: reordered) == .identical)
        guard case .compatible(let changes) = try Self.verdict({ $0.replacingOccurrences(of: "thing.happened.v1", with: "thing.done.v1") }) else {
            Issue.record("a changed title is an annotation")
            return
        }
        #expect(changes.map(\.kind) == [.annotation])
    }

    @Test("a break is reported naming the type and the field, and asking for the next version of the type")
    func breakMessage() {
        let message = CommittedEventSchemas.breakMessage("shop.orders.order.placed.v1", .init(.removed, at: "lines[].sku", ""))
        #expect(message.contains("shop.orders.order.placed.v1: field `lines[].sku` was removed"))
        #expect(message.contains("add a shop.orders.order.placed.v2 type"))
        #expect(EventSchemaCompatibility.nextVersion(of: "shop.catalog.cart.updated.v9") == "shop.catalog.cart.updated.v10")
        #expect(EventSchemaCompatibility.nextVersion(of: "shop.probe.sent") == "shop.probe.sent.v2")
    }
}
