import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A rendered JSON answer with its strong entity tag (RFC 9110 §8.8.3), for reads that
/// browsers, CDNs and the storefront may keep: the tag is a digest of the bytes, so every
/// replica gives the same answer the same tag, and a client that sends it back in
/// `If-None-Match` gets `304 Not Modified` without the body (§13.1.2).
public struct TaggedBody: Sendable {
    public let bytes: ByteBuffer
    /// The quoted tag, as sent in `ETag`.
    public let entityTag: String

    public init(_ bytes: ByteBuffer) {
        self.bytes = bytes
        let digest = bytes.withUnsafeReadableBytes { SHA256.hash(data: $0) }
        self.entityTag = "\"" + Base64URL.encode(Data(digest.prefix(16))) + "\""
    }

    /// The value encoded as every service answers (``ServiceRequestContext/responseEncoder``).
    public init(encoding value: some Encodable, context: ServiceRequestContext) throws {
        self.init(ByteBuffer(bytes: try context.responseEncoder.encode(value)))
    }

    /// 200 with the body, or 304 with no body when the request's `If-None-Match` names this
    /// tag (or is `*`); both carry the tag and `cacheControl`.
    public func response(to request: Request, cacheControl: String) -> Response {
        var headers: HTTPFields = [.eTag: entityTag, .cacheControl: cacheControl]
        if Self.noneMatch(request.headers[values: .ifNoneMatch], tag: entityTag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(bytes.readableBytes)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: bytes))
    }

    /// Whether `If-None-Match` field values name `tag`, by the weak comparison GET uses:
    /// `W/"x"` matches `"x"`.
    public static func noneMatch(_ values: [String], tag: String) -> Bool {
        for value in values {
            for candidate in value.split(separator: ",") {
                var candidate = candidate.trimmingCharacters(in: .whitespaces)
                if candidate == "*" { return true }
                if candidate.hasPrefix("W/") { candidate.removeFirst(2) }
                if candidate == tag { return true }
            }
        }
        return false
    }
}
