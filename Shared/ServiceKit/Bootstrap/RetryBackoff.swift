/// When to try again after a failure: `base × 2^(attempt−1)`, capped at `cap`, with jitter
/// between half and all of it (so many failures do not retry in step), for at most
/// `maxAttempts` attempts. Used by table-backed work (POS pushes, customer emails).
public struct RetryBackoff: Sendable {
    public let maxAttempts: Int
    public let base: Duration
    public let cap: Duration

    public init(maxAttempts: Int, base: Duration, cap: Duration) {
        self.maxAttempts = maxAttempts
        self.base = base
        self.cap = cap
    }

    /// Whether attempt number `attempt` (from 1) was the last one allowed.
    public func exhausted(after attempt: Int) -> Bool { attempt >= maxAttempts }

    /// The wait before attempt `attempt + 1`.
    public func delay(after attempt: Int) -> Duration {
        let exponential = base * (1 << min(max(attempt, 1) - 1, 20))
        return min(exponential, cap) * Double.random(in: 0.5...1.0)
    }

    /// ``delay(after:)`` in seconds, for `make_interval(secs => …)`.
    public func seconds(after attempt: Int) -> Double {
        let wait = delay(after: attempt)
        return Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18
    }
}
