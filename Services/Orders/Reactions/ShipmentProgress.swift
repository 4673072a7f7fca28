import EventContracts
import Foundation
import Messaging
import ServiceKit

/// The order follows its shipments (from the fulfilment service): `processing` once part of
/// it has left, `shipped` when all of it has, `delivered` when every shipment arrived; an
/// order of downloads only is `delivered` when its links are issued. Each shipment event is
/// on the timeline, tracking included, and so are an order's downloads; a move the order
/// cannot make (it was cancelled or refunded meanwhile) is written on the timeline instead.
struct ShipmentProgress: EventHandler {
    let orders: OrderStore

    var reactions: EventReactions {
        EventReactions()
            .on(ShipmentCreated.self) { created, context in
                let order = created.orderId.uuid
                let split = created.splitFrom.map { " (split from \(Self.short($0)))" } ?? ""
                try await note(order, "Shipment \(Self.short(created.shipmentId)) to pack\(split): \(Self.goods(created.lines))", context)
            }
            .on(DownloadsGranted.self) { granted, context in
                let until = granted.downloads.map(\.expiresAt).min().map { " until \(RFC3339.string(from: $0))" } ?? ""
                let text = "Downloads ready\(until): \(granted.downloads.map(\.title).joined(separator: ", "))"
                try await advance(granted.orderId, to: granted.allDigital ? .delivered : nil, text, context)
            }
            .on(ShipmentShipped.self) { shipped, context in
                let text = "Shipment \(Self.short(shipped.shipmentId)) shipped: \(Self.goods(shipped.lines))\(Self.describe(shipped.tracking))"
                try await advance(shipped.orderId, to: shipped.allShipped ? .shipped : .processing, text, context)
            }
            .on(ShipmentDelivered.self) { delivered, context in
                let text = "Shipment \(Self.short(delivered.shipmentId)) delivered"
                try await advance(delivered.orderId, to: delivered.allDelivered ? .delivered : nil, text, context)
            }
            .on(ShipmentCancelled.self) { cancelled, context in
                let order = cancelled.orderId.uuid
                try await note(order, "Shipment \(Self.short(cancelled.shipmentId)) cancelled (\(cancelled.reason))", context)
            }
    }

    /// Moves the order to `target` with `text` on its timeline when it can make that move, and
    /// only writes `text` there when it cannot (or is there already, or there is no move).
    private func advance(_ orderId: OrderID, to target: OrderStatus?, _ text: String, _ context: EventContext) async throws {
        let order = orderId.uuid
        guard let current = try await orders.find(order, lock: true, on: context.connection, logger: context.logger) else { return }
        if let target, current.status != target, current.status.next.contains(target) {
            try await orders.move(order, to: target, actor: "fulfillment", note: text, correlationId: context.correlationId,
                                on: context.connection, logger: context.logger)
        } else {
            try await note(order, text, context)
        }
    }

    private func note(_ order: UUID, _ text: String, _ context: EventContext) async throws {
        guard try await orders.find(order, on: context.connection, logger: context.logger) != nil else { return }
        try await orders.timeline(order, kind: "shipment", from: nil, to: nil, actor: "fulfillment", note: text,
                                on: context.connection, logger: context.logger)
    }

    static func short(_ id: ShipmentID) -> String { String(id.description.prefix(8)) }

    static func goods(_ lines: [ShipmentLine]) -> String {
        lines.map { "\($0.quantity) × \($0.sku)" }.joined(separator: ", ")
    }

    static func describe(_ tracking: Tracking) -> String {
        let parts = [tracking.carrier, tracking.number.map { "tracking \($0)" }, tracking.url].compactMap { $0 }
        return parts.isEmpty ? "" : " — " + parts.joined(separator: ", ")
    }
}
