import HTTPTypes

/// A service's public and admin API as data: its operations and the schemas they use. Each
/// service serves its own as OpenAPI 3.1 (`GET /openapi.json` on its internal port); the
/// gateway merges them under `/api/<service>` with its own routes into the document
/// storefronts and tools read. A test compares the document with the routes each
/// executable registers (`<executable> --routes`), so it cannot drift from the code.
public struct APIContract: Sendable {
    /// The operations of one controller, documented with the controller's access: the access
    /// a route is documented with is the one the kit mounts it behind.
    public struct Area: Sendable {
        public var operations: [APIOperation]

        public init<C: Controller>(_ controller: C.Type, _ operations: [APIOperation]) {
            self.operations = operations.map {
                var operation = $0
                operation.access = C.access
                return operation
            }
        }
    }

    public private(set) var operations: [APIOperation]
    /// Named schemas for `components.schemas`, referenced with ``Schema/ref(_:)``.
    public var schemas: [(String, JSONValue)]

    public init(_ areas: [Area] = [], schemas: [(String, JSONValue)] = []) {
        self.operations = areas.flatMap(\.operations)
        self.schemas = schemas
    }

    private init(operations: [APIOperation], schemas: [(String, JSONValue)]) {
        self.operations = operations
        self.schemas = schemas
    }

    public static func + (lhs: APIContract, rhs: APIContract) -> APIContract {
        APIContract(operations: lhs.operations + rhs.operations,
                    schemas: lhs.schemas + rhs.schemas.filter { name, _ in !lhs.schemas.contains { $0.0 == name } })
    }

    /// Schemas every service shares; the gateway keeps their names when merging.
    public static let sharedSchemaNames: Set<String> = ["Problem", "FieldError"]

    static let sharedSchemas: [(String, JSONValue)] = [
        ("FieldError", Schema.object([
            "field": Schema.string(description: "The invalid input, e.g. `email` or `lines[0].quantity`."),
            "message": Schema.string(),
        ], required: ["field", "message"])),
        ("Problem", Schema.object([
            "type": Schema.string(description: "Stable per kind of error, e.g. `/problems/validation-failed`."),
            "title": Schema.string(),
            "status": Schema.integer(minimum: 400, maximum: 599),
            "detail": Schema.string(),
            "instance": Schema.string(),
            "errors": Schema.array(of: Schema.ref("FieldError")),
        ], required: ["type", "title", "status"], description: "An RFC 9457 problem.")),
    ]

    /// The OpenAPI 3.1 document.
    public func document(title: String, version: String, description: String) -> JSONValue {
        var paths: [(String, JSONValue)] = []
        for operation in operations {
            let item = operationObject(operation)
            let method = operation.method.rawValue.lowercased()
            if let index = paths.firstIndex(where: { $0.0 == operation.path }) {
                paths[index].1 = paths[index].1.setting(method, to: item)
            } else {
                paths.append((operation.path, .object([(method, item)])))
            }
        }
        return [
            "openapi": "3.1.0",
            "info": ["title": .string(title), "version": .string(version), "description": .string(description)],
            "paths": .object(paths),
            "components": [
                "schemas": .object(Self.sharedSchemas + schemas.filter { !Self.sharedSchemaNames.contains($0.0) }),
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT"]],
            ],
        ]
    }

    private func operationObject(_ operation: APIOperation) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("operationId", .string(operation.id)),
            ("summary", .string(operation.summary)),
            ("tags", [.string(operation.tag)]),
            ("x-access", .string(operation.access.rawValue)),
            ("security", operation.access == .everyone ? [[:], ["bearer": []]] : [["bearer": []]]),
        ]
        var parameters: [JSONValue] = operation.pathParameters.map { name in
            let isID = name == "id" || name.hasSuffix("_id") || name.hasSuffix("Id")
            return ["name": .string(name), "in": "path", "required": true, "schema": isID ? Schema.uuid : Schema.string(minLength: 1)]
        }
        parameters += operation.query.map {
            ["name": .string($0.name), "in": "query", "required": .bool($0.required), "description": .string($0.description),
             "schema": $0.schema]
        }
        parameters += operation.headers.map {
            ["name": .string($0.name), "in": "header", "required": .bool($0.required), "description": .string($0.description),
             "schema": Schema.string()]
        }
        if !parameters.isEmpty { members.append(("parameters", .array(parameters))) }
        if let body = operation.body {
            members.append(("requestBody", ["required": true, "content": ["application/json": ["schema": body]]]))
        }
        // Answers sharing a status (two kinds of 409) become one response with both descriptions.
        var answers: [APIOperation.Answer] = []
        for answer in operation.answers {
            if let index = answers.firstIndex(where: { $0.status == answer.status }) {
                answers[index].description += " Or: " + answer.description
            } else {
                answers.append(answer)
            }
        }
        var responses: [(String, JSONValue)] = answers.map { answer in
            var response: [(String, JSONValue)] = [("description", .string(answer.description))]
            if !answer.headers.isEmpty {
                response.append(("headers", .object(answer.headers.map { ($0.0, ["description": .string($0.1), "schema": Schema.string()]) })))
            }
            if let schema = answer.schema {
                let type = answer.contentType ?? (answer.status >= 400 ? Problem.contentType : "application/json")
                response.append(("content", .object([(type, JSONValue.object([("schema", schema)]))])))
            }
            return (String(answer.status), .object(response))
        }
        for (status, description) in standardProblems(for: operation) where !responses.contains(where: { $0.0 == String(status) }) {
            var response: [(String, JSONValue)] = [("description", .string(description))]
            if status == 429 {
                response.append(("headers", ["Retry-After": ["description": "Seconds until the limit resets.", "schema": Schema.string()]]))
            }
            response.append(("content", ["application/problem+json": ["schema": Schema.ref("Problem")]]))
            responses.append((String(status), .object(response)))
        }
        members.append(("responses", .object(responses.sorted { $0.0 < $1.0 })))
        return .object(members)
    }

    /// The problem answers that follow from an operation's shape.
    private func standardProblems(for operation: APIOperation) -> [(Int, String)] {
        var problems: [(Int, String)] = [(400, "The request cannot be read.")]
        problems.append((401, operation.access == .everyone ? "The bearer token sent is not valid." : "Sign-in required."))
        if operation.access != .everyone { problems.append((403, "The caller's role may not do this.")) }
        if !operation.pathParameters.isEmpty { problems.append((404, "No such resource, or not the caller's.")) }
        if operation.body != nil { problems.append((413, "The body is too large.")) }
        if operation.body != nil || !operation.query.isEmpty || !operation.pathParameters.isEmpty {
            problems.append((422, "Invalid fields; `errors` names each."))
        }
        problems += [
            (429, "Too many requests; see Retry-After."),
            (500, "An unexpected error; quote the X-Request-Id."),
            (503, "The service is unavailable."),
            (504, "The service did not answer in time."),
        ]
        return problems
    }
}
