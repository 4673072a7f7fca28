import EventContracts

/// The store the current task works for: set by the kit from the store the gateway asserts on
/// a request, and from the `storeid` of the event a consumer applies. Whatever runs inside
/// inherits it, so an event recorded while serving store A's request or reacting to store A's
/// event is store A's event without any call site naming it.
public enum StoreScope {
    @TaskLocal public static var current: StoreID?

    /// Runs `body` for `store`.
    public static func run<Result: Sendable>(
        for store: StoreID, _ body: () async throws -> Result
    ) async rethrows -> Result {
        try await $current.withValue(store, operation: body)
    }
}
