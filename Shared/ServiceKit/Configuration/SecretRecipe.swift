import Crypto
import Foundation

/// How a secret's value is made: by the service itself (`<service> --new-secret NAME` prints
/// a fresh one), or by someone else (a provider's dashboard, the database administrator).
public enum SecretRecipe: Sendable, Hashable {
    /// `bytes` random bytes, base64url without padding.
    case randomKey(bytes: Int)
    /// A set of Ed25519 signing keys, `<key id>:<32-byte seed, base64url>` separated by commas;
    /// a new one is a single key whose id is today's date.
    case ed25519KeySet
    /// Made elsewhere; the text says where.
    case issuedElsewhere(String)

    /// A fresh value, or nil when this service cannot make one.
    public func generate(now: Date = Date()) -> String? {
        switch self {
        case .randomKey(let bytes):
            return Base64URL.random(bytes: bytes)
        case .ed25519KeySet:
            let day = UTCDay.string(from: now)
            return "\(day)-\(Base64URL.random(bytes: 3)):" + Base64URL.encode(Curve25519.Signing.PrivateKey().rawRepresentation)
        case .issuedElsewhere:
            return nil
        }
    }

    /// How to make a value, for the message of a service that stops without one.
    public func instructions(service: String, variable: String) -> String {
        switch self {
        case .randomKey, .ed25519KeySet:
            return "make one with `\(service) --new-secret \(variable)`"
        case .issuedElsewhere(let text):
            return text
        }
    }
}

/// `YYYYMMDD` in UTC, for key ids.
enum UTCDay {
    static func string(from date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d%02d%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }
}
