import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ServiceKit

/// A service's controllers driven in process, without sockets or other services: the router
/// every service answers with (``ServiceKit/ServiceRouter``: correlation ids, problem answers,
/// role checks), so a route test sees what a caller behind the gateway sees.
public enum InProcessRoutes {
    /// Mounts `controllers` and runs `body` with a client for them.
    public static func with(_ controllers: [any Controller], middleware: [any RouterMiddleware<ServiceRequestContext>] = [],
                            _ body: @escaping @Sendable (RouteClient) async throws -> Void) async throws {
        let (router, _) = ServiceRouter.make(middleware: middleware, controllers: controllers)
        let application = Application(router: router, logger: TestInfrastructure.logger)
        try await application.test(.router) { client in try await body(RouteClient(client: client)) }
    }
}

/// Sends requests as the gateway would: the caller's identity in `X-Commerce-*` headers.
public struct RouteClient: Sendable {
    let client: any TestClientProtocol

    /// Sends `body` (JSON text, sent as given, so a test can send what no encoder would).
    public func send(_ method: HTTPRequest.Method, _ path: String, as caller: CallerIdentity = .guest, json body: String? = nil,
                     headers extra: HTTPFields = [:]) async throws -> RouteAnswer {
        var headers = extra
        for (name, value) in caller.headers where caller.role != .guest { headers[name] = value }
        if body != nil { headers[.contentType] = "application/json" }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        return RouteAnswer(status: Int(response.status.code), headers: response.headers, body: Data(response.body.readableBytesView))
    }

    /// Sends `value` encoded as the API writes JSON (snake_case keys).
    public func send(_ method: HTTPRequest.Method, _ path: String, as caller: CallerIdentity = .guest, encoding value: some Encodable) async throws -> RouteAnswer {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try await send(method, path, as: caller, json: String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// One answer of an in-process request.
public struct RouteAnswer: APIAnswer, Sendable {
    public let status: Int
    public let headers: HTTPFields
    public let body: Data

    public var contentType: String? { headers[.contentType] }
}

/// An RFC 9457 problem as a client reads it.
public struct ProblemAnswer: Decodable, Sendable, Equatable {
    public struct FieldError: Decodable, Sendable, Equatable {
        public var field: String
        public var message: String

        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public var type: String
    public var title: String
    public var status: Int
    public var detail: String?
    public var errors: [FieldError]?

    /// The fields the problem names, in order.
    public var fields: [String] { errors?.map(\.field) ?? [] }
}

/// A page of a list as a client reads it.
public struct PageAnswer<Item: Decodable>: Decodable {
    public var items: [Item]
    public var page: Int
    public var pageSize: Int
    public var total: Int
}
