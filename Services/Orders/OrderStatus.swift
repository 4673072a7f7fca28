/// Where an order is. Payment moves `pending_payment → paid`; cash on delivery starts
/// `confirmed`; staff move `paid`/`confirmed → processing → shipped → delivered` (a paid order of
/// downloads only is delivered when its links are issued); refunds make
/// `partially_refunded` and `refunded`; `cancelled` only before the goods ship.
enum OrderStatus: String, Codable, Sendable, CaseIterable {
    case pendingPayment = "pending_payment"
    case confirmed, paid, processing, shipped, delivered, cancelled, refunded
    case partiallyRefunded = "partially_refunded"

    var next: Set<OrderStatus> {
        switch self {
        case .pendingPayment: [.paid, .cancelled]
        case .confirmed: [.processing, .shipped, .cancelled]
        case .paid: [.processing, .shipped, .delivered, .cancelled, .partiallyRefunded, .refunded]
        case .processing: [.shipped, .cancelled, .partiallyRefunded, .refunded]
        case .shipped: [.delivered, .partiallyRefunded, .refunded]
        case .delivered: [.partiallyRefunded, .refunded]
        case .partiallyRefunded: [.partiallyRefunded, .refunded]
        case .cancelled, .refunded: []
        }
    }

    static func sources(of target: OrderStatus) -> [String] {
        allCases.filter { $0.next.contains(target) }.map(\.rawValue)
    }

    /// Moves staff make by hand; payment and refund moves come from the payments service.
    static let staffTargets: [OrderStatus] = [.processing, .shipped, .delivered, .cancelled]

    /// A customer may cancel until fulfilment starts.
    var customerMayCancel: Bool { self == .pendingPayment || self == .confirmed || self == .paid }
}
