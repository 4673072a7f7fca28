import Crypto
import Foundation

/// Verifies a webhook the way Stripe signs it: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`,
/// each `v1` an HMAC-SHA256 with the endpoint secret over `"<t>.<raw body>"`. Any matching
/// `v1` passes (Stripe sends several while a secret rolls); the timestamp must be within the
/// tolerance either side of now, so a captured request cannot be replayed later.
struct StripeSignature: Sendable {
    let secret: String
    var tolerance: TimeInterval = 300

    enum Failure: Error, Equatable {
        case malformedHeader, noSignature, timestampOutsideTolerance, mismatch
    }

    func verify(header: String?, body: Data, now: Date = Date()) throws(Failure) {
        guard let header else { throw .malformedHeader }
        var timestamp: Int?
        var signatures: [String] = []
        for item in header.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int(pair[1]) }
            if pair[0] == "v1" { signatures.append(pair[1].lowercased()) }
        }
        guard let timestamp else { throw .malformedHeader }
        guard !signatures.isEmpty else { throw .noSignature }
        guard abs(now.timeIntervalSince1970 - TimeInterval(timestamp)) <= tolerance else { throw .timestampOutsideTolerance }
        let expected = Self.sign(body: body, timestamp: timestamp, secret: secret)
        let expectedBytes = Array(expected.utf8)
        var matched = false
        for signature in signatures {
            let candidate = Array(signature.utf8)
            guard candidate.count == expectedBytes.count else { continue }
            var difference: UInt8 = 0
            for index in candidate.indices { difference |= candidate[index] ^ expectedBytes[index] }
            if difference == 0 { matched = true }
        }
        guard matched else { throw .mismatch }
    }

    /// The hex `v1` signature of `body` at `timestamp`.
    static func sign(body: Data, timestamp: Int, secret: String) -> String {
        var signed = Data("\(timestamp).".utf8)
        signed.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Data(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }
}
