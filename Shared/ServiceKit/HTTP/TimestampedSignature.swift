import Crypto
import Foundation

/// The webhook signature scheme Stripe uses and our POS integration shares: hex HMAC-SHA256
/// with a shared secret over `"{timestamp}.{raw body}"`. A request passes when its timestamp
/// is within ``tolerance`` either side of now (a captured request cannot be replayed later)
/// and any of the signatures it carries matches, compared in constant time. Each provider
/// only parses its own headers around it.
public struct TimestampedSignature: Sendable {
    public let secret: String
    public var tolerance: TimeInterval

    public enum Outcome: Sendable, Equatable {
        case valid, timestampOutsideTolerance, mismatch
    }

    public init(secret: String, tolerance: TimeInterval = 300) {
        self.secret = secret
        self.tolerance = tolerance
    }

    /// The hex signature of `body` at `timestamp`.
    public static func sign(body: Data, timestamp: Int, secret: String) -> String {
        hexHMAC(signedMessage(body: body, timestamp: timestamp), secret: secret)
    }

    /// What is signed: `"{timestamp}.{raw body}"`.
    private static func signedMessage(body: Data, timestamp: Int) -> Data {
        var signed = Data("\(timestamp).".utf8)
        signed.append(body)
        return signed
    }

    /// Lower-case hex HMAC-SHA256 of `message` with `secret` (also what signed links use).
    public static func hexHMAC(_ message: Data, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Checks `signatures` (hex, any case) for `body` at `timestamp`. An empty secret never
    /// verifies anything.
    public func check(body: Data, timestamp: Int, signatures: [String], now: Date = Date()) -> Outcome {
        guard abs(now.timeIntervalSince1970 - TimeInterval(timestamp)) <= tolerance else { return .timestampOutsideTolerance }
        guard !secret.isEmpty else { return .mismatch }
        let signed = Self.signedMessage(body: body, timestamp: timestamp)
        var matched = false
        for signature in signatures where Self.isValid(signature, for: signed, secret: secret) { matched = true }
        return matched ? .valid : .mismatch
    }

    /// Whether `hexSignature` (any case) is the HMAC-SHA256 of `message` with `secret`,
    /// checked by swift-crypto in time that does not depend on where it differs. Text that
    /// is not hex never is.
    public static func isValid(_ hexSignature: String, for message: Data, secret: String) -> Bool {
        guard let code = bytes(hex: hexSignature) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: message, using: SymmetricKey(data: Data(secret.utf8)))
    }

    /// The bytes `hex` spells, or nil when it is not an even number of hex digits.
    private static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}
