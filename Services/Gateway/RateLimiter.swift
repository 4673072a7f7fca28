import Foundation
import Synchronization

/// Token buckets per key (a client address, a customer): each holds up to `capacity`
/// requests and refills at `capacity` per `window`. In memory, per gateway instance: with
/// N replicas behind a balancer a client gets up to N times the limit.
final class RateLimiter: Sendable {
    /// The outcome for one request.
    enum Decision: Equatable {
        case allowed
        /// Refused; the client may retry after this many whole seconds.
        case limited(retryAfter: Int)
    }

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let capacity: Int
    let window: Duration
    private let buckets = Mutex<[String: Bucket]>([:])
    private static let maxTrackedKeys = 100_000

    init(capacity: Int, window: Duration) {
        self.capacity = capacity
        self.window = window
    }

    func take(_ key: String, now: ContinuousClock.Instant = .now) -> Decision {
        let capacity = Double(capacity)
        let perSecond = capacity / (Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18)
        return buckets.withLock { buckets in
            if buckets.count > Self.maxTrackedKeys { Self.forgetFull(&buckets, now: now, capacity: capacity, perSecond: perSecond) }
            var bucket = buckets[key] ?? Bucket(tokens: capacity, updated: now)
            bucket.tokens = min(capacity, bucket.tokens + Self.seconds(now - bucket.updated) * perSecond)
            bucket.updated = now
            defer { buckets[key] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return .allowed
            }
            return .limited(retryAfter: max(1, Int(((1 - bucket.tokens) / perSecond).rounded(.up))))
        }
    }

    /// Drops buckets that have refilled completely: they hold no information.
    private static func forgetFull(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant, capacity: Double, perSecond: Double) {
        buckets = buckets.filter { $0.value.tokens + seconds(now - $0.value.updated) * perSecond < capacity }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
