import Foundation

/// Goods of one shipment: a variant and how many.
public struct ShipmentLine: Codable, Sendable, Equatable {
    public var variantId: VariantID
    public var sku: String
    public var title: String
    public var quantity: Int

    public init(variantId: VariantID, sku: String, title: String, quantity: Int) {
        self.variantId = variantId
        self.sku = sku
        self.title = title
        self.quantity = quantity
    }
}

/// Where a shipment can be followed.
public struct Tracking: Codable, Sendable, Equatable {
    public var carrier: String?
    public var number: String?
    public var url: String?

    public init(carrier: String?, number: String?, url: String?) {
        self.carrier = carrier
        self.number = number
        self.url = url
    }
}

/// A shipment waits to be packed: made for a settled order's physical lines, or split off
/// another shipment by staff. Keyed by the order id.
public struct ShipmentCreated: EventPayload, Equatable {
    public static let eventType = "shop.fulfillment.shipment.created.v1"

    public var shipmentId: ShipmentID
    public var orderId: OrderID
    public var orderNumber: String
    public var lines: [ShipmentLine]
    /// The shipment it was split from, if any.
    public var splitFrom: ShipmentID?

    public init(shipmentId: ShipmentID, orderId: OrderID, orderNumber: String, lines: [ShipmentLine], splitFrom: ShipmentID?) {
        self.shipmentId = shipmentId
        self.orderId = orderId
        self.orderNumber = orderNumber
        self.lines = lines
        self.splitFrom = splitFrom
    }
}

/// A shipment left the shop. `allShipped` is true when no goods of the order wait any more:
/// the order is shipped. Keyed by the order id.
public struct ShipmentShipped: EventPayload, Equatable {
    public static let eventType = "shop.fulfillment.shipment.shipped.v1"

    public var shipmentId: ShipmentID
    public var orderId: OrderID
    public var orderNumber: String
    public var lines: [ShipmentLine]
    public var tracking: Tracking
    public var allShipped: Bool

    public init(shipmentId: ShipmentID, orderId: OrderID, orderNumber: String, lines: [ShipmentLine], tracking: Tracking, allShipped: Bool) {
        self.shipmentId = shipmentId
        self.orderId = orderId
        self.orderNumber = orderNumber
        self.lines = lines
        self.tracking = tracking
        self.allShipped = allShipped
    }
}

/// A shipment arrived. `allDelivered` is true when every shipment of the order has. Keyed by
/// the order id.
public struct ShipmentDelivered: EventPayload, Equatable {
    public static let eventType = "shop.fulfillment.shipment.delivered.v1"

    public var shipmentId: ShipmentID
    public var orderId: OrderID
    public var orderNumber: String
    public var allDelivered: Bool

    public init(shipmentId: ShipmentID, orderId: OrderID, orderNumber: String, allDelivered: Bool) {
        self.shipmentId = shipmentId
        self.orderId = orderId
        self.orderNumber = orderNumber
        self.allDelivered = allDelivered
    }
}

/// A shipment that had not left was cancelled with its order. Keyed by the order id.
public struct ShipmentCancelled: EventPayload, Equatable {
    public static let eventType = "shop.fulfillment.shipment.cancelled.v1"

    public var shipmentId: ShipmentID
    public var orderId: OrderID
    public var orderNumber: String
    public var reason: String

    public init(shipmentId: ShipmentID, orderId: OrderID, orderNumber: String, reason: String) {
        self.shipmentId = shipmentId
        self.orderId = orderId
        self.orderNumber = orderNumber
        self.reason = reason
    }
}

/// The POS counted a variant's stock (the periodic inventory pull publishes only counts that
/// changed): catalog sets its on-hand count to it. Keyed by the SKU.
public struct StockCounted: EventPayload, Equatable {
    public static let eventType = "shop.fulfillment.stock.counted.v1"

    public var sku: String
    public var onHand: Int
    public var countedAt: Date
    /// Where the count comes from (`pos`).
    public var source: String

    public init(sku: String, onHand: Int, countedAt: Date, source: String) {
        self.sku = sku
        self.onHand = onHand
        self.countedAt = countedAt
        self.source = source
    }
}

/// A digital good the buyer may download until `expiresAt`.
public struct GrantedDownload: Codable, Sendable, Equatable {
    public var variantId: VariantID
    public var title: String
    public var expiresAt: Date

    public init(variantId: VariantID, title: String, expiresAt: Date) {
        self.variantId = variantId
        self.title = title
        self.expiresAt = expiresAt
    }
}

/// A paid order's digital goods can be downloaded. `allDigital` is true when nothing of the
/// order ships: it is then delivered. Keyed by the order id.
public struct DownloadsGranted: EventPayload, Equatable {
    public static let eventType = "shop.fulfillment.downloads.granted.v1"

    public var orderId: OrderID
    public var orderNumber: String
    public var downloads: [GrantedDownload]
    public var allDigital: Bool

    public init(orderId: OrderID, orderNumber: String, downloads: [GrantedDownload], allDigital: Bool) {
        self.orderId = orderId
        self.orderNumber = orderNumber
        self.downloads = downloads
        self.allDigital = allDigital
    }
}
