/// Short ways to write the JSON Schemas (2020-12, as OpenAPI 3.1 uses) of the API contract.
public enum Schema {
    /// A reference to a schema in the same document's components.
    public static func ref(_ name: String) -> JSONValue {
        ["$ref": .string("#/components/schemas/\(name)")]
    }

    /// An object; `required` lists the members always present.
    public static func object(_ properties: KeyValuePairs<String, JSONValue>, required: [String] = [],
                              description: String? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [("type", "object")]
        if let description { members.append(("description", .string(description))) }
        members.append(("properties", .object(properties.map { ($0.key, $0.value) })))
        if !required.isEmpty { members.append(("required", .array(required.map(JSONValue.string)))) }
        return .object(members)
    }

    public static func string(format: String? = nil, minLength: Int? = nil, maxLength: Int? = nil, pattern: String? = nil,
                              oneOf values: [String]? = nil, description: String? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [("type", "string")]
        if let format { members.append(("format", .string(format))) }
        if let minLength { members.append(("minLength", .number(minLength))) }
        if let maxLength { members.append(("maxLength", .number(maxLength))) }
        if let pattern { members.append(("pattern", .string(pattern))) }
        if let values { members.append(("enum", .array(values.map(JSONValue.string)))) }
        if let description { members.append(("description", .string(description))) }
        return .object(members)
    }

    public static func integer(minimum: Int? = nil, maximum: Int? = nil, description: String? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [("type", "integer")]
        if let minimum { members.append(("minimum", .number(minimum))) }
        if let maximum { members.append(("maximum", .number(maximum))) }
        if let description { members.append(("description", .string(description))) }
        return .object(members)
    }

    public static let boolean: JSONValue = ["type": "boolean"]
    public static let uuid = string(format: "uuid")
    public static let timestamp = string(format: "date-time")

    /// The `Money` component every service's document defines: integer minor units and an
    /// ISO 4217 currency.
    public static let moneyComponent: (String, JSONValue) = ("Money", object([
        "minor_units": integer(description: "Integer minor units of the currency (VND has none)."), "currency": string(pattern: "^[A-Z]{3}$"),
    ], required: ["minor_units", "currency"]))

    public static func array(of items: JSONValue, minItems: Int? = nil, maxItems: Int? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [("type", "array"), ("items", items)]
        if let minItems { members.append(("minItems", .number(minItems))) }
        if let maxItems { members.append(("maxItems", .number(maxItems))) }
        return .object(members)
    }
}
