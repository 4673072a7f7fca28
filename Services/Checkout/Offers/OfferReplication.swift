import EventContracts
import Messaging
import ServiceKit

/// Keeps checkout's copy of what is on sale (``OfferStore``) as the catalog's product events
/// describe it.
struct OfferReplication: EventHandler {
    let offers: OfferStore

    var reactions: EventReactions {
        EventReactions()
            .on(ProductPublished.self) { published, context in
                try await offers.apply(published.product, on: context.connection, logger: context.logger)
            }
            .on(ProductUpdated.self) { updated, context in
                try await offers.apply(updated.product, on: context.connection, logger: context.logger)
            }
            .on(ProductArchived.self) { archived, context in
                try await offers.apply(archived.product, on: context.connection, logger: context.logger)
            }
            .on(PriceChanged.self) { changed, context in
                try await offers.reprice(changed, on: context.connection, logger: context.logger)
            }
    }
}
