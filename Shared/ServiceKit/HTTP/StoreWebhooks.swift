import EventContracts
import Hummingbird
import Persistence

extension Router where Context == ServiceRequestContext {
    /// Registers the webhook a provider posts to for a store: `/stores/{store}/webhooks/<provider>`
    /// for any store this service knows, and `/webhooks/<provider>` for the original store (the
    /// address single-shop deployments gave their providers). `handle` runs within that store
    /// (``StoreScope``, `context.storeId`); an unknown store is 404 and nothing is read.
    public func storeWebhook<Output: ResponseGenerator & Sendable>(
        _ provider: String, database: Database,
        _ handle: @escaping @Sendable (Request, ServiceRequestContext) async throws -> Output
    ) {
        post("/webhooks/\(provider)") { request, context in
            var context = context
            context.storeId = .original
            return try await StoreScope.run(for: .original) { try await handle(request, context) }
        }
        post("/stores/:store/webhooks/\(provider)") { request, context in
            guard let text = context.parameters.get("store"), let store = StoreID(text),
                  try await StoreCopies.knows(store, database: database, logger: context.logger) else {
                throw Problem(status: .notFound, type: "store-not-found", title: "No such store.",
                              detail: "The webhook's address names a store this deployment does not have.")
            }
            var context = context
            context.storeId = store
            return try await StoreScope.run(for: store) { try await handle(request, context) }
        }
    }
}
