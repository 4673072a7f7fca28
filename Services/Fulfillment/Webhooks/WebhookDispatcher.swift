import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceKit
import ServiceLifecycle

/// Posts claimed deliveries to merchants' endpoints (run by the kit's ``ClaimedWork``, 20 at
/// a time, concurrently), signed the Standard Webhooks way, never following redirects, within
/// a 10-second timeout; a 2xx answer is success.
struct WebhookDispatcher: Sendable {
    let webhooks: WebhookStore
    let destinations: DestinationGuard
    let environment: ServiceEnvironment
    /// One client for the process (never shut down, like `HTTPClient.shared`): no redirects,
    /// HTTP/1.1, 5 s to connect, 10 s to answer.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow,
                                                     timeout: .init(connect: .seconds(5), read: .seconds(10)))
        configuration.httpVersion = .http1Only
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// The loop that claims due deliveries and sends each.
    var work: ClaimedWork<WebhookStore.Claimed> {
        ClaimedWork("merchant-webhooks", batch: 20, environment: environment, changes: webhooks.changes, wakeKey: WebhookStore.wakeKey,
                    claim: { [webhooks, environment] limit in try await webhooks.claimDue(limit: limit, logger: environment.logger) },
                    handle: { [self] delivery in await send(delivery, with: Self.client, logger: environment.logger) })
    }

    private func send(_ delivery: WebhookStore.Claimed, with client: HTTPClient, logger: Logger) async {
        let clock = ContinuousClock()
        let started = clock.now
        var statusCode: Int?
        var failure: String?
        do {
            guard let url = URL(string: delivery.url), let signature = WebhookSignature(secret: delivery.secret) else {
                throw DestinationGuard.Refusal(description: "endpoint URL or secret unusable")
            }
            try await destinations.check(url)
            let id = delivery.id.uuidString.lowercased()
            let timestamp = Int(Date().timeIntervalSince1970)
            var request = HTTPClientRequest(url: delivery.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "commerce-webhooks/1")
            request.headers.add(name: "webhook-id", value: id)
            request.headers.add(name: "webhook-timestamp", value: String(timestamp))
            request.headers.add(name: "webhook-signature", value: signature.sign(id: id, timestamp: timestamp, body: delivery.payload))
            request.body = .bytes(ByteBuffer(data: delivery.payload))
            let response = try await client.execute(request, timeout: .seconds(10), logger: logger)
            statusCode = Int(response.status.code)
            _ = try? await response.body.collect(upTo: 64 * 1024)
            if !(200..<300).contains(Int(response.status.code)) { failure = "answered \(response.status.code)" }
        } catch {
            failure = String(describing: error).prefix(500).description
        }
        logger.debug("webhook attempt", metadata: ["delivery.id": "\(delivery.id)", "attempt": "\(delivery.attempt)",
                                                   "status": "\(statusCode.map(String.init) ?? "none")"])
        do {
            try await webhooks.record(delivery, statusCode: statusCode, error: failure, duration: clock.now - started, logger: logger)
        } catch {
            logger.error("could not record a webhook attempt; it is retried after its claim lapses",
                         metadata: ["delivery.id": "\(delivery.id)", "error": "\(String(reflecting: error))"])
        }
    }
}
