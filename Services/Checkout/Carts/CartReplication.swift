import EventContracts
import Messaging
import ServiceKit

/// Keeps checkout's copy of each cart (``CartReplicaStore``) as the catalog's `cart.updated`
/// snapshots describe it, so a checkout can start from a cart without asking the catalog.
struct CartReplication: EventHandler {
    let replica: CartReplicaStore

    var reactions: EventReactions {
        EventReactions().on(CartUpdated.self) { snapshot, context in
            try await replica.apply(snapshot, on: context.connection, logger: context.logger)
        }
    }
}
