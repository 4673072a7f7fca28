import Foundation
import Hummingbird

extension Request {
    /// Decodes a JSON body, turning decoding failures into a 422 problem that names the
    /// field (`items[2].quantity`) and says what was wrong with it.
    public func decodeBody<Body: Decodable>(_ type: Body.Type, context: ServiceRequestContext) async throws -> Body {
        let buffer = try await body.collect(upTo: context.maxUploadSize)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(Body.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw Self.problem(for: error)
        }
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
