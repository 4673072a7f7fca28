import Crypto
import Foundation

/// An opaque refresh token: 32 random bytes, base64url. Only its SHA-256 is stored, so a
/// database leak does not hand out sessions.
struct RefreshToken: Sendable {
    let value: String

    static func generate() -> RefreshToken {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let text = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return RefreshToken(value: text)
    }

    /// The stored form.
    static func hash(_ value: String) -> [UInt8] { Array(SHA256.hash(data: Data(value.utf8))) }
}
