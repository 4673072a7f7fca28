import EventContracts
import Foundation
import Hummingbird

/// A parcel of an order's goods, as staff and the order's customer see it.
struct Shipment: ResponseEncodable, Sendable {
    var id: ShipmentID
    var orderId: OrderID
    var orderNumber: String
    var status: ShipmentStatus
    var lines: [ShipmentLine]
    var carrier: String?
    var trackingNumber: String?
    var trackingUrl: String?
    var splitFrom: ShipmentID?
    var createdAt: Date
    var shippedAt: Date?
    var deliveredAt: Date?
    var cancelledAt: Date?

    var tracking: Tracking { Tracking(carrier: carrier, number: trackingNumber, url: trackingUrl) }

    static let columns = """
        s.id, s.order_id, o.order_number, s.status, s.carrier, s.tracking_number, s.tracking_url, s.split_from, s.created_at,
        s.shipped_at, s.delivered_at, s.cancelled_at,
        COALESCE((SELECT json_agg(json_build_object('variant_id', l.variant_id, 'sku', l.sku, 'title', l.title, 'quantity', l.quantity)
                                  ORDER BY l.sku, l.variant_id)
                  FROM shipment_lines l WHERE l.shipment_id = s.id), '[]')::text
        """

    typealias Row = (ShipmentID, OrderID, String, ShipmentStatus, String?, String?, String?, ShipmentID?, Date, Date?, Date?, Date?, String)

    init(row: Row) throws {
        id = row.0
        orderId = row.1
        orderNumber = row.2
        status = row.3
        carrier = row.4
        trackingNumber = row.5
        trackingUrl = row.6
        splitFrom = row.7
        createdAt = row.8
        shippedAt = row.9
        deliveredAt = row.10
        cancelledAt = row.11
        lines = try EventCoding.decoder.decode([ShipmentLine].self, from: Data(row.12.utf8))
    }
}

/// An order's shipments and whether it is ready to ship (`ready`), still unpaid
/// (`awaiting_payment`) or `cancelled`.
struct OrderShipments: ResponseEncodable, Sendable {
    var orderId: OrderID
    var orderNumber: String
    var state: String
    var shipments: [Shipment]
}
