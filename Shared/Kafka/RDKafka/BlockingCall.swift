import Dispatch

/// Runs librdkafka calls that block (polls with a timeout, flush, synchronous commit,
/// metadata and admin requests) on Dispatch threads, never on Swift's cooperative pool or
/// a NIO event loop, and resumes the awaiting task when they return.
enum BlockingCall {
    private static let queue = DispatchQueue(label: "commerce.kafka.blocking", attributes: .concurrent)

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
