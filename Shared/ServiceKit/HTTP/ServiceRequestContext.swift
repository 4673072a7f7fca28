import EventContracts
import Foundation
import Hummingbird

/// The request context of every service's HTTP API: Hummingbird's core context plus the
/// correlation id that ``CorrelationMiddleware`` accepted or generated.
public struct ServiceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Travels from the storefront's request through every event it causes.
    public var correlationId: String
    /// The caller once the gateway has verified the request's token, so that the token is
    /// checked once per request however many middlewares and routes ask.
    public var verifiedCaller: CallerIdentity?
    /// The TCP peer's address (the client, or the load balancer in front of the gateway).
    public let peerAddress: String?
    /// The store the request is for, once ``StoreScopeMiddleware`` (or the gateway's door,
    /// before it) has set it.
    public var storeId: StoreID?
    /// At the gateway: who the client is, its address or the one a trusted load balancer
    /// forwards (passed on to the services as `X-Commerce-Client-Address`).
    public var clientAddress: String?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.correlationId = ""
        self.peerAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Request bodies above 1 MiB are refused with 413.
    public var maxUploadSize: Int { 1024 * 1024 }

    /// Responses use snake_case keys and ISO 8601 dates, like the event payloads.
    public var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

extension ServiceRequestContext {
    /// The UUID in the path parameter `name`; anything else answers 404 for `what` (an id
    /// that cannot exist is simply not found).
    public func uuid(_ name: String = "id", what: String) throws -> UUID {
        guard let id = parameters.get(name).flatMap(UUID.init(uuidString:)) else { throw Problem.notFound(what) }
        return id
    }
}
