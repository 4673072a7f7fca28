import Crypto
import Foundation
import ServiceKit

/// Access tokens made by hand, as an attacker (or a test) would: EdDSA with a given key and
/// `kid`, or HS256 with a shared secret, over any claims.
public enum TokenForgery {
    /// The tests' gateway key (``SuiteProcesses/jwtKeys``).
    public static var suiteKey: Curve25519.Signing.PrivateKey {
        try! Curve25519.Signing.PrivateKey(rawRepresentation: decode(SuiteProcesses.jwtKeySeed))
    }

    /// The HS256 key every gateway accepted before key sets (it was written in the source).
    public static let formerBuiltInSecret = "local-development-only-jwt-secret-0123456789"

    /// Claims for `subject` as `role`, valid from now for `seconds` (negative: already expired).
    public static func claims(subject: String, role: String, seconds: Double = 600) -> [String: Any] {
        let now = Date().timeIntervalSince1970
        return ["sub": subject, "role": role, "iss": "commerce-gateway", "iat": Int(now), "exp": Int(now + seconds), "jti": UUID().uuidString]
    }

    public static func eddsa(_ claims: [String: Any], kid: String? = SuiteProcesses.jwtKeyID, key: Curve25519.Signing.PrivateKey = suiteKey) -> String {
        var header: [String: Any] = ["alg": "EdDSA", "typ": "JWT"]
        header["kid"] = kid
        let signed = encode(try! JSONSerialization.data(withJSONObject: header)) + "." + encode(try! JSONSerialization.data(withJSONObject: claims))
        return signed + "." + encode(try! key.signature(for: Data(signed.utf8)))
    }

    public static func hs256(_ claims: [String: Any], secret: String) -> String {
        let signed = encode(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8)) + "." + encode(try! JSONSerialization.data(withJSONObject: claims))
        let mac = HMAC<SHA256>.authenticationCode(for: Data(signed.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return signed + "." + encode(Data(mac))
    }

    public static func encode(_ data: Data) -> String { Base64URL.encode(data) }

    public static func decode(_ text: String) -> Data { Base64URL.decode(text)! }
}
