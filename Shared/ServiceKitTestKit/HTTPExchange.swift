import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// A collected HTTP answer.
public struct Answer: APIAnswer, Sendable {
    public var status: UInt
    public var contentType: String?
    public var headers: [(String, String)]
    public var body: Data

    public var json: [String: Any]? { try? JSONSerialization.jsonObject(with: body) as? [String: Any] }
    /// The body as a JSON array of objects.
    public var jsonArray: [[String: Any]]? { try? JSONSerialization.jsonObject(with: body) as? [[String: Any]] }
    public var problemType: String? { json?["type"] as? String }

    public func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
}

/// Sends a request (a JSON body from `json`, or `bytes` as they are) and collects the answer.
public func send(_ client: HTTPClient, _ method: String, _ url: String, json: [String: Any]? = nil, bytes: Data? = nil,
                 headers: [String: String] = [:], timeout: TimeAmount = .seconds(15)) async throws -> Answer {
    var request = HTTPClientRequest(url: url)
    request.method = .init(rawValue: method)
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    if let json {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)))
    } else if let bytes {
        request.body = .bytes(ByteBuffer(data: bytes))
    }
    let response = try await client.execute(request, timeout: timeout)
    let body = try await response.body.collect(upTo: 64 << 20)
    return Answer(status: response.status.code, contentType: response.headers.first(name: "Content-Type"),
                  headers: response.headers.map { ($0.name, $0.value) }, body: Data(buffer: body))
}
