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
        var signed = Data("\(timestamp).".utf8)
        signed.append(body)
        return hexHMAC(signed, secret: secret)
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
        let expected = Self.sign(body: body, timestamp: timestamp, secret: secret)
        var matched = false
        for signature in signatures where Self.sameSignature(signature, expected) { matched = true }
        return matched ? .valid : .mismatch
    }

    /// Whether two hex signatures are equal (any case), in time that does not depend on
    /// where they differ.
    public static func sameSignature(_ given: String, _ expected: String) -> Bool {
        let (candidate, wanted) = (Array(given.lowercased().utf8), Array(expected.lowercased().utf8))
        guard candidate.count == wanted.count else { return false }
        var difference: UInt8 = 0
        for index in candidate.indices { difference |= candidate[index] ^ wanted[index] }
        return difference == 0
    }
}
