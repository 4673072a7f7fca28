import Hummingbird

/// Which page of a list the caller asked for: `page` (from 1) and `page_size` (1 to
/// ``maxSize``, the cap every list in the API shares). Anything else is a 422 naming the
/// parameter.
public struct PageRequest: Sendable, Equatable {
    public static let maxSize = 100

    public var page: Int
    public var size: Int
    public var offset: Int { (page - 1) * size }

    public init(page: Int = 1, size: Int = 20) {
        self.page = page
        self.size = size
    }

    public init(_ request: Request, defaultSize: Int = 20) throws {
        let page = try request.queryInteger("page", in: 1...1_000_000) ?? 1
        let size = try request.queryInteger("page_size", in: 1...Self.maxSize) ?? defaultSize
        self.init(page: page, size: size)
    }

    /// The documented query parameters of a paged list.
    public static let parameters: [APIOperation.QueryParameter] = [
        .init("page", Schema.integer(minimum: 1, maximum: 1_000_000), "Page number, from 1."),
        .init("page_size", Schema.integer(minimum: 1, maximum: maxSize), "Items per page (at most \(maxSize); 20 by default)."),
    ]
}

/// One page of a list with the total number of items.
public struct Page<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    public var items: [Item]
    public var page: Int
    public var pageSize: Int
    public var total: Int

    public init(items: [Item], request: PageRequest, total: Int) {
        self.items = items
        self.page = request.page
        self.pageSize = request.size
        self.total = total
    }

    /// The schema of a page of `item`.
    public static func schema(of item: JSONValue) -> JSONValue {
        Schema.object([
            "items": Schema.array(of: item), "page": Schema.integer(minimum: 1),
            "page_size": Schema.integer(minimum: 1, maximum: PageRequest.maxSize), "total": Schema.integer(minimum: 0),
        ], required: ["items", "page", "page_size", "total"])
    }
}

extension Request {
    /// A text query parameter, trimmed; `nil` when absent or empty. Longer than `maxLength`
    /// or holding a NUL character is a 422 naming it.
    public func queryText(_ name: String, maxLength: Int = 200) throws -> String? {
        guard let raw = uri.queryParameters.get(name) else { return nil }
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.contains("\0") { throw Problem.validation([.init(field: name, message: "must not contain NUL characters")]) }
        if text.count > maxLength { throw Problem.validation([.init(field: name, message: "must be at most \(maxLength) characters")]) }
        return text.isEmpty ? nil : text
    }

    /// A whole-number query parameter within `range`; `nil` when absent.
    public func queryInteger(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let raw = uri.queryParameters.get(name) else { return nil }
        guard let value = Int(raw), range.contains(value) else {
            throw Problem.validation([.init(field: name, message: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")])
        }
        return value
    }

    /// A query parameter that must be one of `allowed`; `nil` when absent.
    public func queryChoice(_ name: String, _ allowed: [String]) throws -> String? {
        guard let raw = uri.queryParameters.get(name) else { return nil }
        guard allowed.contains(raw) else {
            throw Problem.validation([.init(field: name, message: "must be one of \(allowed.joined(separator: ", "))")])
        }
        return raw
    }
}
