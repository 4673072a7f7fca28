import AsyncHTTPClient
import EventContracts
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The POS's HTTP API as Pancake POS shapes it: `POST /shops/{shop}/orders` and
/// `GET /shops/{shop}/products/variations`, the API key as the `api_key` query parameter,
/// answers wrapped as `{"success": true, "data": …}`.
struct PosClient: Sendable {
    let baseURL: String
    let apiKey: String
    let shopId: String
    let client: HTTPClient
    /// Deadline of one call, connection attempts included.
    let timeout: Duration

    struct Failure: Error, CustomStringConvertible {
        var status: Int?
        var message: String
        var description: String { status.map { "POS answered \($0): \(message)" } ?? "POS unreachable: \(message)" }
    }

    /// An order as the POS takes it.
    struct Order: Encodable, Sendable {
        struct Item: Encodable, Sendable {
            var variationId: String
            var quantity: Int
            var price: Int64
            var name: String
        }
        struct Address: Encodable, Sendable {
            var fullName: String
            var phoneNumber: String
            var address: String
            var communeName: String?
            var districtName: String?
            var provinceName: String?
            var countryCode: String
        }
        var customId: String
        var billFullName: String
        var billPhoneNumber: String
        var billEmail: String
        var shippingAddress: Address
        var items: [Item]
        var isCod: Bool
        var note: String
    }

    /// A variant's count at the POS.
    struct Variation: Decodable, Sendable {
        var displayId: String
        var remainQuantity: Int
    }

    private struct Envelope<Data: Decodable>: Decodable {
        var success: Bool
        var data: Data?
        var message: String?
    }

    private struct Created: Decodable {
        var id: String

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let number = try? container.decode(Int.self, forKey: .id) { id = String(number) } else { id = try container.decode(String.self, forKey: .id) }
        }

        enum CodingKeys: String, CodingKey { case id }
    }

    /// Creates the order at the POS; returns the POS's order id.
    func createOrder(_ order: Order, logger: Logger) async throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let created: Created = try await call(.POST, "/shops/\(shopId)/orders", body: try encoder.encode(["order": order]), logger: logger)
        return created.id
    }

    /// Withdraws an order at the POS (Pancake's status 6, "canceled"), so it is not shipped.
    func cancelOrder(_ posOrderId: String, logger: Logger) async throws {
        let _: Created = try await call(.PUT, "/shops/\(shopId)/orders/\(posOrderId)",
                                        body: try JSONEncoder().encode(["order": ["status": 6]]), logger: logger)
    }

    /// Every variation's remaining quantity.
    func variations(logger: Logger) async throws -> [Variation] {
        try await call(.GET, "/shops/\(shopId)/products/variations", body: nil, logger: logger)
    }

    private func call<Answer: Decodable>(_ method: HTTPMethod, _ path: String, body: Data?, logger: Logger) async throws -> Answer {
        var components = URLComponents(string: baseURL + path)
        components?.queryItems = [URLQueryItem(name: "api_key", value: apiKey)]
        guard let url = components?.string else { throw Failure(status: nil, message: "bad POS_BASE_URL") }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: body))
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .init(timeout), logger: logger)
        } catch {
            throw Failure(status: nil, message: String(describing: error).prefix(200).description)
        }
        let bytes = try await response.body.collect(upTo: 8 * 1024 * 1024)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw Failure(status: Int(response.status.code), message: String(buffer: bytes).prefix(200).description)
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        guard let envelope = try? decoder.decode(Envelope<Answer>.self, from: Data(buffer: bytes)), envelope.success, let data = envelope.data else {
            throw Failure(status: Int(response.status.code), message: "unexpected answer: \(String(buffer: bytes).prefix(200))")
        }
        return data
    }
}
