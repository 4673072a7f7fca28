import Crypto
import Foundation
import NIOCore

/// An unguessable bearer secret (a refresh token, a password reset link, a guest cart's
/// token): 32 random bytes, base64url. Only its SHA-256 is stored, so a database leak does
/// not hand out what the tokens open.
public struct OpaqueToken: Sendable {
    public let value: String

    public init(value: String) { self.value = value }

    public static func generate() -> OpaqueToken {
        OpaqueToken(value: Base64URL.random(bytes: 32))
    }

    /// The stored form of a presented token, ready to bind as `bytea`.
    public static func hash(_ value: String) -> ByteBuffer {
        ByteBuffer(bytes: Array(SHA256.hash(data: Data(value.utf8))))
    }
}
