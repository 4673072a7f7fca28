import HTTPTypes

/// One documented route of a service's public or admin API: what the OpenAPI document says
/// about it. Problem responses that follow from the route's shape (validation, sign-in,
/// not found, limits, an unavailable service) are added by ``APIContract``; list here only
/// the answers particular to this route.
public struct APIOperation: Sendable {
    /// A query parameter.
    public struct QueryParameter: Sendable {
        public var name: String
        public var schema: JSONValue
        public var description: String
        public var required: Bool

        public init(_ name: String, _ schema: JSONValue, _ description: String, required: Bool = false) {
            self.name = name
            self.schema = schema
            self.description = description
            self.required = required
        }
    }

    /// One documented answer.
    public struct Answer: Sendable {
        public var status: Int
        public var description: String
        /// The JSON body's schema; `nil` for an empty body.
        public var schema: JSONValue?
        /// Response headers by name, with their description.
        public var headers: [(String, String)]
        /// The body's media type when it is not JSON (a file: `application/octet-stream`).
        public var contentType: String?

        public init(_ status: Int, _ description: String, schema: JSONValue? = nil, headers: [(String, String)] = [],
                    contentType: String? = nil) {
            self.status = status
            self.description = description
            self.schema = schema
            self.headers = headers
            self.contentType = contentType
        }
    }

    public var method: HTTPRequest.Method
    /// The path as the service registers it, with `{name}` parameters (the same syntax as
    /// Hummingbird's router and OpenAPI). Parameters named `id` or ending in `_id` are
    /// documented as UUIDs, others as non-empty strings.
    public var path: String
    /// A unique, stable name (`registerCustomer`).
    public var id: String
    public var summary: String
    public var tag: String
    /// Who may call it: the access of the controller it is documented under (``APIContract/Area``).
    public internal(set) var access: Access = .everyone
    public var query: [QueryParameter]
    /// Request headers by name, with description and whether required.
    public var headers: [(name: String, description: String, required: Bool)]
    /// The JSON request body's schema, if the route reads one.
    public var body: JSONValue?
    public var answers: [Answer]

    public init(
        _ method: HTTPRequest.Method, _ path: String, id: String, summary: String, tag: String,
        query: [QueryParameter] = [], headers: [(name: String, description: String, required: Bool)] = [],
        body: JSONValue? = nil, answers: [Answer]
    ) {
        self.method = method
        self.path = path
        self.id = id
        self.summary = summary
        self.tag = tag
        self.query = query
        self.headers = headers
        self.body = body
        self.answers = answers
    }

    /// The names of the path's `{parameters}`.
    public var pathParameters: [String] {
        path.split(separator: "/").compactMap { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? String(segment.dropFirst().dropLast()) : nil
        }
    }
}
