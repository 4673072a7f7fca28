import Dispatch

/// Runs librdkafka calls that block (polls with a timeout, flush, synchronous commit,
/// metadata and admin requests) on Dispatch threads, never on Swift's cooperative pool or
/// a NIO event loop, and resumes the awaiting task when they return.
///
/// Every queue used here is serial: on Linux a concurrent queue of one's own draws its threads
/// from the same width-limited pool (one thread per core) as Swift's default executor, so a
/// few calls blocked on an unreachable broker there stall every task of the process (a
/// gateway whose readiness was probed while the broker was down stopped answering at all). A
/// serial queue gets a thread of its own.
enum BlockingCall {
    private static let queue = DispatchQueue(label: "commerce.kafka.blocking")

    static func run<T: Sendable>(on queue: DispatchQueue = BlockingCall.queue, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    static func run<T: Sendable>(on queue: DispatchQueue = BlockingCall.queue, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }
}
