import Foundation
import ServiceKit

/// Verifies a webhook the way Stripe signs it: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`,
/// each `v1` an HMAC-SHA256 with the endpoint secret over `"<t>.<raw body>"` (the kit's
/// ``TimestampedSignature``). Any matching `v1` passes (Stripe sends several while a secret
/// rolls); the timestamp must be within the tolerance either side of now.
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
            if pair[0] == "v1" { signatures.append(pair[1]) }
        }
        guard let timestamp else { throw .malformedHeader }
        guard !signatures.isEmpty else { throw .noSignature }
        switch TimestampedSignature(secret: secret, tolerance: tolerance).check(body: body, timestamp: timestamp, signatures: signatures, now: now) {
        case .valid: return
        case .timestampOutsideTolerance: throw .timestampOutsideTolerance
        case .mismatch: throw .mismatch
        }
    }
}
