import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceKit
import ServiceLifecycle

/// Posts due deliveries to merchants' endpoints, a batch at a time and concurrently, signed
/// the Standard Webhooks way, never following redirects, within a 10-second timeout; a 2xx
/// answer is success. Woken when deliveries are queued or replayed, and every second for
/// retries coming due.
struct WebhookDispatcher: Service {
    let book: WebhookBook
    let destinations: DestinationGuard
    let environment: ServiceEnvironment

    func run() async throws {
        await environment.startGate.wait()
        guard environment.startGate.isOpen else { return }
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow,
                                                     timeout: .init(connect: .seconds(5), read: .seconds(10)))
        configuration.httpVersion = .http1Only
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let logger = environment.logger
        await cancelWhenGracefulShutdown {
            let watch = book.changes.watch(WebhookBook.wakeKey)
            defer { watch.cancel() }
            while !Task.isCancelled {
                do {
                    let due = try await book.claimDue(limit: 20, logger: logger)
                    await withTaskGroup(of: Void.self) { group in
                        for delivery in due { group.addTask { await send(delivery, with: client, logger: logger) } }
                    }
                    if due.count == 20 { continue }
                } catch {
                    logger.error("webhook dispatch round failed", metadata: ["error": "\(String(reflecting: error))"])
                }
                await watch.wait(upTo: .seconds(1))
            }
        }
        try? await client.shutdown()
    }

    private func send(_ delivery: WebhookBook.Claimed, with client: HTTPClient, logger: Logger) async {
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
            try await book.record(delivery, statusCode: statusCode, error: failure, duration: clock.now - started, logger: logger)
        } catch {
            logger.error("could not record a webhook attempt; it is retried after its claim lapses",
                         metadata: ["delivery.id": "\(delivery.id)", "error": "\(String(reflecting: error))"])
        }
    }
}
