import Foundation
import ServiceKit

/// An answer of one of the suite's APIs as a client reads it, whether it came over a socket
/// (``Answer``) or from a router driven in process (``RouteAnswer``).
public protocol APIAnswer {
    var body: Data { get }
    var contentType: String? { get }
}

extension APIAnswer {
    /// The body decoded as the API writes it (snake_case keys, ISO 8601 times), as a
    /// storefront's client would read it.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: body)
    }

    /// The problem the body carries, if it is `application/problem+json`.
    public var problem: ProblemAnswer? {
        guard contentType?.hasPrefix(Problem.contentType) == true else { return nil }
        return try? decode(ProblemAnswer.self)
    }

    /// The body as text, for a failed expectation's message.
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The fields a problem names, in its order (empty for any other answer).
    public var fieldErrors: [String] { problem?.errors?.map(\.field) ?? [] }
}
