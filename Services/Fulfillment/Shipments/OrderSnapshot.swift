import EventContracts
import Foundation
import Money

/// An order as fulfilment keeps it (from `order.placed`).
struct OrderSnapshot {
    var id: UUID
    var number: String
    var customerId: UUID?
    var email: String
    var paymentMethod: String
    var contact: ContactDetails?
    var address: ShippingAddress?
    var lines: [PricedLine]
    var total: Money?
    var paymentDueBy: Date?
}

extension OrderSnapshot {
    /// The snapshot `order.placed` makes (what ``ShipmentStore/remember(_:on:logger:)`` keeps).
    init(_ placed: OrderPlaced) {
        self.init(id: placed.orderId.uuid, number: placed.orderNumber, customerId: placed.customerId?.uuid, email: placed.email,
                  paymentMethod: placed.paymentMethod.rawValue, contact: placed.contact, address: placed.shippingAddress,
                  lines: placed.lines ?? [], total: placed.total, paymentDueBy: placed.paymentDueBy)
    }
}
