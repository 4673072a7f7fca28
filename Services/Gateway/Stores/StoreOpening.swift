import EventContracts
import Messaging

/// Collects the services' receipts for new stores (``StoreProvisioned``) and opens a store
/// when the last one arrives.
struct StoreOpening: EventHandler {
    let registry: StoreRegistry

    var reactions: EventReactions {
        EventReactions().on(StoreProvisioned.self) { [registry] receipt, context in
            try await registry.recordReceipt(store: receipt.storeId, service: receipt.service, on: context.connection, logger: context.logger)
        }
    }
}
