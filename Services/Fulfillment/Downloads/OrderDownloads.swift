import EventContracts
import Foundation
import Messaging
import ServiceKit

/// Downloads follow their orders: a paid order's digital lines become download grants
/// (expiring `DOWNLOAD_LINK_TTL_SECONDS` after payment, announced as `downloads.granted`); a
/// cancelled or fully refunded order's grants are revoked. Cash-on-delivery orders cannot hold
/// digital goods (checkout refuses them), so `paid` is the only way in.
struct OrderDownloads: EventHandler {
    let grants: DownloadGrantStore

    var reactions: EventReactions {
        EventReactions()
            .on(OrderSettled.self) { settled, context in
                guard settled.status == "paid" else { return }
                let order = settled.orderId.uuid
                try await grants.grant(forOrder: order, correlationId: context.correlationId, outbox: context.outbox,
                                       on: context.connection, logger: context.logger)
            }
            .on(OrderCancelled.self) { cancelled, context in
                let order = cancelled.orderId.uuid
                try await grants.revoke(forOrder: order, on: context.connection, logger: context.logger)
            }
            .on(RefundSucceeded.self) { refund, context in
                guard refund.refundedTotal == refund.captured else { return }
                let order = refund.orderId.uuid
                try await grants.revoke(forOrder: order, on: context.connection, logger: context.logger)
            }
    }
}
