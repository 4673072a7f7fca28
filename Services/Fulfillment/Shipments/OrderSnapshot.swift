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
