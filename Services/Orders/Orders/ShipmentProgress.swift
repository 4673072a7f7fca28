import EventContracts
import Foundation
import ServiceKit

/// The order follows its shipments (from the fulfilment service): `processing` once part of
/// it has left, `shipped` when all of it has, `delivered` when every shipment arrived; an
/// order of downloads only is `delivered` when its links are issued. Each shipment event is
/// on the timeline, tracking included, and so are an order's downloads; a move the order
/// cannot make (it was cancelled or refunded meanwhile) is written on the timeline instead.
struct ShipmentProgress: EventHandler {
    let book: OrderBook

    var eventTypes: Set<String> {
        [ShipmentCreated.eventType, ShipmentShipped.eventType, ShipmentDelivered.eventType, ShipmentCancelled.eventType,
         DownloadsGranted.eventType]
    }

    func handle(_ context: EventContext) async throws {
        let envelope = context.envelope
        let (connection, logger, correlation) = (context.connection, context.logger, envelope.correlationId)
        switch envelope.type {
        case ShipmentCreated.eventType:
            let created = try envelope.decodeData(ShipmentCreated.self)
            guard let order = UUID(uuidString: created.orderId) else { return }
            let split = created.splitFrom.map { " (split from \(Self.short($0)))" } ?? ""
            try await note(order, "Shipment \(Self.short(created.shipmentId)) to pack\(split): \(Self.goods(created.lines))", context)

        case DownloadsGranted.eventType:
            let granted = try envelope.decodeData(DownloadsGranted.self)
            guard let order = UUID(uuidString: granted.orderId),
                  let current = try await book.find(order, lock: true, on: connection, logger: logger) else { return }
            let until = granted.downloads.map(\.expiresAt).min().map { " until \(RFC3339.string(from: $0))" } ?? ""
            let text = "Downloads ready\(until): \(granted.downloads.map(\.title).joined(separator: ", "))"
            if granted.allDigital && current.status.next.contains(.delivered) {
                try await book.move(order, to: .delivered, actor: "fulfillment", note: text, correlationId: correlation, on: connection, logger: logger)
            } else {
                try await note(order, text, context)
            }

        case ShipmentShipped.eventType:
            let shipped = try envelope.decodeData(ShipmentShipped.self)
            guard let order = UUID(uuidString: shipped.orderId),
                  let current = try await book.find(order, lock: true, on: connection, logger: logger) else { return }
            let text = "Shipment \(Self.short(shipped.shipmentId)) shipped: \(Self.goods(shipped.lines))\(Self.describe(shipped.tracking))"
            let target: OrderStatus = shipped.allShipped ? .shipped : .processing
            if current.status == target || !current.status.next.contains(target) {
                try await note(order, text, context)
            } else {
                try await book.move(order, to: target, actor: "fulfillment", note: text, correlationId: correlation, on: connection, logger: logger)
            }

        case ShipmentDelivered.eventType:
            let delivered = try envelope.decodeData(ShipmentDelivered.self)
            guard let order = UUID(uuidString: delivered.orderId),
                  let current = try await book.find(order, lock: true, on: connection, logger: logger) else { return }
            let text = "Shipment \(Self.short(delivered.shipmentId)) delivered"
            if delivered.allDelivered, current.status.next.contains(.delivered) {
                try await book.move(order, to: .delivered, actor: "fulfillment", note: text, correlationId: correlation, on: connection, logger: logger)
            } else {
                try await note(order, text, context)
            }

        case ShipmentCancelled.eventType:
            let cancelled = try envelope.decodeData(ShipmentCancelled.self)
            guard let order = UUID(uuidString: cancelled.orderId) else { return }
            try await note(order, "Shipment \(Self.short(cancelled.shipmentId)) cancelled (\(cancelled.reason))", context)

        default:
            return
        }
    }

    private func note(_ order: UUID, _ text: String, _ context: EventContext) async throws {
        guard try await book.find(order, on: context.connection, logger: context.logger) != nil else { return }
        try await book.timeline(order, kind: "shipment", from: nil, to: nil, actor: "fulfillment", note: text,
                                on: context.connection, logger: context.logger)
    }

    static func short(_ id: String) -> String { String(id.prefix(8)) }

    static func goods(_ lines: [ShipmentLine]) -> String {
        lines.map { "\($0.quantity) × \($0.sku)" }.joined(separator: ", ")
    }

    static func describe(_ tracking: Tracking) -> String {
        let parts = [tracking.carrier, tracking.number.map { "tracking \($0)" }, tracking.url].compactMap { $0 }
        return parts.isEmpty ? "" : " — " + parts.joined(separator: ", ")
    }
}
