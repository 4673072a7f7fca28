import Foundation
import Hummingbird

extension Request {
    /// Decodes a JSON body, turning decoding failures into a 422 problem that names the
    /// field (`items[2].quantity`) and says what was wrong with it. Text containing a NUL
    /// character (`\u0000`), which no shop text has and PostgreSQL cannot store, is refused
    /// the same way.
    public func decodeBody<Body: Decodable>(_ type: Body.Type, context: ServiceRequestContext) async throws -> Body {
        try await decodeBodyKeepingBytes(type, context: context).body
    }

    /// ``decodeBody(_:context:)`` that also returns the bytes as received, for routes that
    /// must recognise a repeated request (idempotency keys) or verify a signature over them.
    public func decodeBodyKeepingBytes<Body: Decodable>(_ type: Body.Type, context: ServiceRequestContext) async throws -> (body: Body, bytes: Data) {
        let buffer = try await body.collect(upTo: context.maxUploadSize)
        let data = Data(buffer.readableBytesView)
        return (try Self.decode(type, from: data), data)
    }

    /// Decodes JSON bytes the way ``decodeBody(_:context:)`` does.
    public static func decode<Body: Decodable>(_ type: Body.Type, from data: Data) throws -> Body {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let decoded: Body
        do {
            decoded = try decoder.decode(Body.self, from: data)
        } catch let error as DecodingError {
            throw Self.problem(for: error)
        }
        if data.range(of: Data("u0000".utf8)) != nil {
            // Any JSON, numbers with fractions included; a body we cannot walk is refused whole.
            guard let json = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
                throw Problem.validation([.init(field: "body", message: "must not contain NUL characters")])
            }
            if let field = Self.fieldWithNUL(in: json) {
                throw Problem.validation([.init(field: field, message: "must not contain NUL characters")])
            }
        }
        return decoded
    }

    /// The path of the first string (or key) in `value` (as `JSONSerialization` reads it)
    /// that holds a NUL character.
    static func fieldWithNUL(in value: Any, path: String = "") -> String? {
        switch value {
        case let text as String: return text.contains("\0") ? (path.isEmpty ? "body" : path) : nil
        case let items as [Any]:
            for (index, item) in items.enumerated() {
                if let found = fieldWithNUL(in: item, path: path + "[\(index)]") { return found }
            }
        case let members as [String: Any]:
            for key in members.keys.sorted() {
                let child = path.isEmpty ? key : path + "." + key
                if key.contains("\0") { return child }
                if let found = fieldWithNUL(in: members[key]!, path: child) { return found }
            }
        default: break
        }
        return nil
    }

    static func problem(for error: DecodingError) -> Problem {
        func path(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            let keys = codingPath + (last.map { [$0] } ?? [])
            let rendered = keys.reduce(into: "") { result, key in
                if let index = key.intValue { result += "[\(index)]" } else {
                    let snake = key.stringValue.reduce(into: "") { out, char in
                        if char.isUppercase { out += "_" + char.lowercased() } else { out.append(char) }
                    }
                    result += result.isEmpty ? snake : ".\(snake)"
                }
            }
            return rendered.isEmpty ? "body" : rendered
        }
        switch error {
        case .keyNotFound(let key, let context):
            return .validation([.init(field: path(context.codingPath, key), message: "is required")])
        case .typeMismatch(let type, let context):
            return .validation([.init(field: path(context.codingPath), message: "must be \(Self.describe(type))")])
        case .valueNotFound(let type, let context):
            return .validation([.init(field: path(context.codingPath), message: "must be \(Self.describe(type)), not null")])
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return .badRequest("The body is not valid JSON.") }
            return .validation([.init(field: path(context.codingPath), message: context.debugDescription)])
        @unknown default:
            return .badRequest("The body cannot be decoded.")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: "a whole number"
        case is Bool.Type: "true or false"
        default: "\(type)".lowercased()
        }
    }
}
