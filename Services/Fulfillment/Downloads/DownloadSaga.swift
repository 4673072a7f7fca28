import EventContracts
import Foundation
import ServiceKit

/// Digital goods' part of the saga: a paid order's digital lines become download grants
/// (expiring `DOWNLOAD_LINK_TTL_SECONDS` after payment, announced as `downloads.granted`); a cancelled or fully refunded order's
/// grants are revoked. Cash-on-delivery orders cannot hold digital goods (checkout refuses
/// them), so `paid` is the only way in.
struct DownloadSaga: EventHandler {
    let grants: DownloadGrants

    var eventTypes: Set<String> { [OrderSettled.eventType, OrderCancelled.eventType, RefundSucceeded.eventType] }

    func handle(_ context: EventContext) async throws {
        let envelope = context.envelope
        switch envelope.type {
        case OrderSettled.eventType:
            let settled = try envelope.decodeData(OrderSettled.self)
            guard settled.status == "paid", let order = UUID(uuidString: settled.orderId) else { return }
            try await grants.grant(forOrder: order, correlationId: envelope.correlationId, outbox: context.outbox,
                                   on: context.connection, logger: context.logger)
        case OrderCancelled.eventType:
            guard let order = UUID(uuidString: try envelope.decodeData(OrderCancelled.self).orderId) else { return }
            try await grants.revoke(forOrder: order, on: context.connection, logger: context.logger)
        case RefundSucceeded.eventType:
            let refund = try envelope.decodeData(RefundSucceeded.self)
            guard refund.refundedTotal == refund.captured, let order = UUID(uuidString: refund.orderId) else { return }
            try await grants.revoke(forOrder: order, on: context.connection, logger: context.logger)
        default:
            return
        }
    }
}
