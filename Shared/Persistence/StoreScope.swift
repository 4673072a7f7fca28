import EventContracts

/// The store the current task works for: set by the kit from the store the gateway asserts on
/// a request, and from the `storeid` of the event a consumer applies. Whatever runs inside
/// inherits it, so an event recorded while serving store A's request or reacting to store A's
/// event is store A's event without any call site naming it.
///
/// The database sees it too: every connection ``Database/client`` lends is set to the task's
/// store first, and row-level security on the store-owned tables (``StoreOwnership``) shows
/// that store's rows only and stamps new rows with it. A task with no store sees no
/// store-owned row at all; work that spans stores (sweepers, reconciliation, migrations) says
/// so with ``acrossStores(_:)`` and acts on each row within its own store.
public enum StoreScope {
    @TaskLocal public static var current: StoreID?
    @TaskLocal static var spansStores = false

    /// Runs `body` for `store`.
    public static func run<Result: Sendable>(
        for store: StoreID, _ body: () async throws -> Result
    ) async rethrows -> Result {
        try await $current.withValue(store, operation: body)
    }

    /// Runs `body` over every store's rows: for work that belongs to no single store. Inside,
    /// ``run(for:_:)`` narrows to one store again. A row inserted here must name its store.
    public static func acrossStores<Result: Sendable>(_ body: () async throws -> Result) async rethrows -> Result {
        try await $current.withValue(nil) {
            try await $spansStores.withValue(true, operation: body)
        }
    }

    /// Whether the task works across stores without having narrowed to one.
    public static var isAcrossStores: Bool { current == nil && spansStores }

    /// What the database session's `commerce.store_id` must say for the current task: the
    /// store's id, `*` across stores, or empty for none.
    static var sessionValue: String {
        if let current { return current.description }
        return spansStores ? "*" : ""
    }
}
