import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceKit
import ServiceLifecycle

/// Forwards `/api/<service>/<path>` to `<service's internal URL>/<path>` with the query,
/// method, body and end-to-end headers, and returns the service's answer unchanged (its
/// problem+json errors included).
///
/// It removes hop-by-hop headers, the client's credentials and every client-sent
/// `X-Commerce-*` header, then asserts the verified caller (``CallerIdentity``) in its own
/// `X-Commerce-*` headers, with the request's store (`X-Commerce-Store-Id`); a token that does not verify is a 401 here, never forwarded. The correlation id goes along as
/// `X-Request-Id`. While its service restarts (a crash or a deploy), a request is tried again
/// with growing pauses for up to `retryBudget`: any request whose connection was refused
/// (nothing was sent) or reset by a service that had said it was stopping (``Drain``: a
/// stopping service resets only what it has not read), and one that is safe to send again
/// (``mayRetry(_:)``: a GET, or one with an `Idempotency-Key`) also when the connection
/// dropped otherwise. A service that
/// still cannot be reached gives 503 with `Retry-After`; one that does not answer in time
/// gives 504; both as problems. The services' operator routes (health, metrics, their
/// own documents) are not reachable through it. It owns the HTTP client and shuts it down on exit.
struct Forwarder: Service, Controller {
    /// Anyone: each service checks the identity the forwarder asserts.
    static let access = Access.everyone
    /// Headers that describe one connection, never forwarded (RFC 9110 §7.6.1).
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authenticate", "proxy-authorization", "host", "content-length",
    ]
    /// Prefix of the headers by which the gateway tells services who is calling.
    static let identityHeaderPrefix = "x-commerce-"
    /// Who the client is, for the services that count visitors (never sent on by a client:
    /// every `X-Commerce-*` header a client sends is dropped).
    static let clientAddressHeader = "X-Commerce-Client-Address"
    static let maxResponseBytes = 16 * 1024 * 1024

    let upstreams: Upstreams
    let client: HTTPClient
    let timeout: TimeAmount
    let retryBudget: Duration
    let authenticator: Authenticator
    let stopping = StoppingUpstreams()

    /// `idleTimeout`: how long a pooled connection to a service may sit unused. Kept below the
    /// services' drain time (``Drain``), it means that when a stopping service closes its
    /// connections, the gateway has already closed every one it was not using, so no request
    /// is sent on a connection as the service closes it (which would reset it).
    init(upstreams: Upstreams, timeout: Duration, retryBudget: Duration, idleTimeout: Duration, authenticator: Authenticator) {
        self.authenticator = authenticator
        self.upstreams = upstreams
        self.timeout = TimeAmount(timeout)
        self.retryBudget = retryBudget
        var configuration = HTTPClient.Configuration()
        // A `Prefer: wait=N` request may be silent for N seconds before its answer.
        configuration.timeout = .init(connect: .seconds(2), read: TimeAmount(timeout + .seconds(PreferWait.maximum)))
        configuration.connectionPool = .init(idleTimeout: TimeAmount(idleTimeout), concurrentHTTP1ConnectionsPerHostSoftLimit: 1024)
        configuration.redirectConfiguration = .disallow
        // No tracer is bootstrapped; without this the client still opens a no-op span and
        // computes its attributes on every forwarded request (about 4 % of the gateway's CPU).
        configuration.tracing.tracer = nil
        self.client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            routes.on("/api/{service}/**", method: method) { request, context in
                try await forward(request, context: context)
            }
        }
        return routes
    }

    func forward(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let name = context.parameters.get("service") ?? ""
        let segments = context.parameters.getCatchAll()
        guard let base = upstreams.baseURLs[name], !ServiceApplication.internalPaths.contains(segments.first.map(String.init) ?? "") else {
            throw Problem.notFound("The route \(request.uri.path)")
        }
        let identity = try await authenticator.identity(of: request, context: context)
        let rest = segments.joined(separator: "/")
        var upstream = HTTPClientRequest(url: base + "/" + rest + (request.uri.query.map { "?" + $0 } ?? ""))
        upstream.method = .init(rawValue: request.method.rawValue)
        for field in request.headers {
            let lower = field.name.canonicalName
            if Self.hopByHop.contains(lower) || lower.hasPrefix(Self.identityHeaderPrefix) || lower == "x-request-id"
                || lower == "authorization" || lower == "cookie" { continue }
            upstream.headers.add(name: field.name.rawName, value: field.value)
        }
        for (name, value) in identity.headers { upstream.headers.add(name: name.rawName, value: value) }
        upstream.headers.add(name: StoreScopeMiddleware.header.rawName, value: (context.storeId ?? .original).description)
        if let address = context.clientAddress { upstream.headers.add(name: Self.clientAddressHeader, value: address) }
        upstream.headers.replaceOrAdd(name: "X-Request-Id", value: context.correlationId)
        if request.method != .get && request.method != .head {
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            upstream.body = .bytes(body)
        }
        let response: HTTPClientResponse
        let body: ResponseBody
        do {
            let waiting = TimeAmount.seconds(Int64(PreferWait.seconds(in: request.headers)))
            response = try await execute(upstream, to: name, timeout: timeout + waiting, retrying: Self.mayRetry(request), context: context)
            if Self.streams(response) {
                let upstreamBody = response.body
                body = ResponseBody(contentLength: response.headers.first(name: "content-length").flatMap(Int.init)) { writer in
                    try await writer.write(upstreamBody)
                    try await writer.finish(nil)
                }
            } else {
                body = ResponseBody(byteBuffer: try await response.body.collect(upTo: Self.maxResponseBytes))
            }
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw Problem(status: .gatewayTimeout, type: "upstream-timeout", title: "A service did not answer in time.",
                          detail: "The \(name) service did not answer within \(timeout.nanoseconds / 1_000_000) ms.")
        } catch {
            context.logger.warning("upstream unreachable", metadata: ["upstream": "\(name)", "error": "\(error)"])
            throw Problem.unavailable("The \(name) service cannot be reached; try again shortly.")
        }
        var headers = HTTPFields()
        if response.headers.contains(name: Drain.header.rawName) { stopping.saidStopping(name) }
        for (headerName, value) in response.headers where !Self.hopByHop.contains(headerName.lowercased())
            && !headerName.lowercased().hasPrefix(Self.identityHeaderPrefix) {
            if let fieldName = HTTPField.Name(headerName) { headers.append(HTTPField(name: fieldName, value: value)) }
        }
        return Response(status: .init(code: Int(response.status.code), reasonPhrase: response.status.reasonPhrase),
                        headers: headers, body: body)
    }

    /// Sends the request; while the service refuses the connection (or drops it, if
    /// `retrying`), sends it again after 50 ms, 100 ms, … (at most 1 s apart) until
    /// ``retryBudget`` is spent. A timeout is never retried: the service may be working on it.
    private func execute(_ upstream: HTTPClientRequest, to name: String, timeout: TimeAmount, retrying: Bool,
                         context: ServiceRequestContext) async throws -> HTTPClientResponse {
        let clock = ContinuousClock()
        let deadline = clock.now + retryBudget
        var pause = Duration.milliseconds(50)
        while true {
            do {
                return try await client.execute(upstream, timeout: timeout, logger: context.logger)
            } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
                throw error
            } catch {
                let unread = Self.neverConnected(error) || Self.wasReset(error) && stopping.isStopping(name)
                guard retrying || unread, clock.now + pause < deadline else { throw error }
                context.logger.debug("upstream connection failed; trying again", metadata: ["error": "\(error)", "pause": "\(pause)"])
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(1))
            }
        }
    }

    /// Whether the service closed the connection under the request.
    static func wasReset(_ error: Error) -> Bool {
        if let error = error as? HTTPClientError, error == .remoteConnectionClosed { return true }
        if let error = error as? IOError, error.errnoCode == ECONNRESET || error.errnoCode == EPIPE { return true }
        return false
    }

    /// Whether the error says the connection was never made, so nothing was sent (a pool that
    /// gave no connection in time, while a service starts on a busy machine, included).
    static func neverConnected(_ error: Error) -> Bool {
        if error is NIOConnectionError { return true }
        if let error = error as? HTTPClientError, error == .connectTimeout || error == .getConnectionFromPoolTimeout { return true }
        if let error = error as? ChannelError, case .connectTimeout = error { return true }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED { return true }
        return false
    }

    /// Whether sending the request twice does no harm: reads, and writes that carry an
    /// `Idempotency-Key` (the service answers a repeat with the first answer).
    static func mayRetry(_ request: Request) -> Bool {
        request.method == .get || request.method == .head || request.headers[IdempotencyKeys.header] != nil
    }

    /// Files (a successful answer that is not JSON, such as a digital good's download) pass
    /// through as they arrive, whatever their size; JSON answers are collected (at most
    /// ``maxResponseBytes``), so a failing service is a clean 503 rather than a cut answer.
    static func streams(_ response: HTTPClientResponse) -> Bool {
        guard (200..<300).contains(Int(response.status.code)), let type = response.headers.first(name: "content-type")?.lowercased() else {
            return false
        }
        return !type.hasPrefix("application/json") && !type.hasPrefix("application/problem+json")
    }
}
