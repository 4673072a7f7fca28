import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import ServiceKit
import Synchronization

/// `GET /openapi.json`: the OpenAPI 3.1 document of the whole public and admin API. The
/// gateway's own routes are joined by each service's document (read from its internal
/// `/openapi.json`), with paths under `/api/<service>`, operation ids and schema names
/// prefixed by the service's name. Each team owns its part; the gateway only merges. A
/// complete merge is kept for a minute; a service that does not answer is left out and
/// named in `info.x-missing-services`.
final class PublicDocument: Controller {
    static let access = Access.everyone
    private let own: JSONValue
    private let upstreams: Upstreams
    private let client: HTTPClient
    private let cached = Mutex<(document: String, at: ContinuousClock.Instant)?>(nil)

    init(own: JSONValue, upstreams: Upstreams, client: HTTPClient) {
        self.own = own
        self.upstreams = upstreams
        self.client = client
    }

    var endpoints: RouteCollection<ServiceRequestContext> {
        RouteCollection(context: ServiceRequestContext.self).get("/openapi.json") { _, context in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: await self.document(logger: context.logger))))
        }
    }

    func document(logger: Logger) async -> String {
        if let cached = cached.withLock({ $0 }), cached.at.duration(to: .now) < .seconds(60) { return cached.document }
        let parts = await withTaskGroup(of: (String, JSONValue?).self) { group in
            for (name, base) in upstreams.baseURLs {
                group.addTask { (name, await self.fetch(base + "/openapi.json", logger: logger)) }
            }
            var parts: [String: JSONValue?] = [:]
            for await (name, document) in group { parts[name] = document }
            return parts
        }
        var paths = own["paths"]?.members ?? []
        var schemas = own["components"]?["schemas"]?.members ?? []
        var missing: [JSONValue] = []
        for name in parts.keys.sorted() {
            guard let document = parts[name] ?? nil else {
                missing.append(.string(name))
                continue
            }
            let renamed = Self.prefixingSchemaReferences(of: document, with: name)
            for (path, item) in renamed["paths"]?.members ?? [] {
                let operations = item.members.map { method, operation in
                    (method, operation.setting("operationId", to: .string("\(name).\(operation["operationId"].flatMap(\.text) ?? method)")))
                }
                paths.append(("/api/\(name)" + path, .object(operations)))
            }
            for (schema, value) in renamed["components"]?["schemas"]?.members ?? [] where !APIContract.sharedSchemaNames.contains(schema) {
                schemas.append(("\(name).\(schema)", value))
            }
        }
        let info = (own["info"] ?? [:]).setting("x-missing-services", to: .array(missing))
        let merged = own.setting("info", to: info).setting("paths", to: .object(StoreDoor.documentingAnswers(in: paths)))
            .setting("components", to: (own["components"] ?? [:]).setting("schemas", to: .object(schemas)))
        let text = merged.serialized
        if missing.isEmpty { cached.withLock { $0 = (text, .now) } }
        return text
    }

    private func fetch(_ url: String, logger: Logger) async -> JSONValue? {
        do {
            let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(2), logger: logger)
            guard response.status == .ok else { return nil }
            return try JSONValue(parsing: Data(try await response.body.collect(upTo: 4 * 1024 * 1024).readableBytesView))
        } catch {
            logger.warning("service document unavailable", metadata: ["url": "\(url)", "error": "\(error)"])
            return nil
        }
    }

    /// Renames `#/components/schemas/X` to `#/components/schemas/<service>.X`, except the
    /// schemas every service shares.
    static func prefixingSchemaReferences(of document: JSONValue, with service: String) -> JSONValue {
        let prefix = "#/components/schemas/"
        return document.mapStrings { text in
            guard text.hasPrefix(prefix) else { return text }
            let name = String(text.dropFirst(prefix.count))
            return APIContract.sharedSchemaNames.contains(name) ? text : prefix + service + "." + name
        }
    }
}
