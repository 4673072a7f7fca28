import AsyncHTTPClient
import Foundation
import Logging
import Money
import NIOCore
import NIOHTTP1

/// A Stripe-compatible card provider spoken to over its HTTP API (form-encoded requests,
/// bearer secret key, `Idempotency-Key` so that a retried call never charges or refunds
/// twice). The base URL is configurable: Stripe itself in production, a local fake speaking
/// the same wire format in tests.
struct CardProvider: Sendable {
    let client: HTTPClient
    let baseURL: String
    let secretKey: String

    /// The provider's API, before a store's account (its secret key) is chosen.
    struct API: Sendable {
        let client: HTTPClient
        let baseURL: String

        /// The provider as the account whose secret key is `secretKey`.
        func account(_ secretKey: String) -> CardProvider { CardProvider(client: client, baseURL: baseURL, secretKey: secretKey) }
    }

    struct PaymentIntent: Decodable, Sendable {
        var id: String
        var clientSecret: String?
        var status: String
        var amount: Int64?
        var amountReceived: Int64?
    }

    struct Refund: Decodable, Sendable {
        var id: String
        var status: String
        var amount: Int64
    }

    struct Failure: Error, CustomStringConvertible {
        var status: Int
        var message: String
        var description: String { "card provider answered \(status): \(message)" }
    }

    func createPaymentIntent(amount: Money, orderId: String, orderNumber: String, logger: Logger) async throws -> PaymentIntent {
        try await post("/v1/payment_intents", form: [
            ("amount", String(amount.minorUnits)), ("currency", amount.currency.code.lowercased()),
            ("automatic_payment_methods[enabled]", "true"), ("metadata[order_id]", orderId), ("metadata[order_number]", orderNumber),
            ("description", "Order \(orderNumber)"),
        ], idempotencyKey: "payment-intent-\(orderId)", logger: logger)
    }

    /// Cancels an unpaid payment intent (Stripe: `POST /v1/payment_intents/{id}/cancel`).
    func cancel(paymentIntent: String, logger: Logger) async throws -> PaymentIntent {
        let id = paymentIntent.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(["_"])) ?? paymentIntent
        return try await post("/v1/payment_intents/\(id)/cancel", form: [("cancellation_reason", "abandoned")],
                              idempotencyKey: "cancel-\(paymentIntent)", logger: logger)
    }

    func refund(paymentIntent: String, amount: Int64, refundId: String, logger: Logger) async throws -> Refund {
        try await post("/v1/refunds", form: [("payment_intent", paymentIntent), ("amount", String(amount)), ("metadata[refund_id]", refundId)],
                       idempotencyKey: "refund-\(refundId)", logger: logger)
    }

    /// The provider's record of a payment intent (Stripe: `GET /v1/payment_intents/{id}`).
    func paymentIntent(_ id: String, logger: Logger) async throws -> PaymentIntent {
        let escaped = id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(["_"])) ?? id
        var request = HTTPClientRequest(url: baseURL + "/v1/payment_intents/\(escaped)")
        request.headers.add(name: "Authorization", value: "Bearer \(secretKey)")
        return try await answer(to: request, logger: logger)
    }

    private func post<Answer: Decodable>(_ path: String, form: [(String, String)], idempotencyKey: String, logger: Logger) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(secretKey)")
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Idempotency-Key", value: idempotencyKey)
        request.body = .bytes(ByteBuffer(string: Self.encode(form)))
        return try await answer(to: request, logger: logger)
    }

    private func answer<Answer: Decodable>(to request: HTTPClientRequest, logger: Logger) async throws -> Answer {
        let response = try await client.execute(request, timeout: .seconds(10), logger: logger)
        let body = try await response.body.collect(upTo: 1024 * 1024)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw Failure(status: Int(response.status.code), message: String(buffer: body).prefix(300).description)
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Answer.self, from: Data(buffer: body))
    }

    static func encode(_ form: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return form.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
            .joined(separator: "&")
    }
}
