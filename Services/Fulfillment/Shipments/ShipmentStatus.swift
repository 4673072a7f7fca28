import Persistence
import ServiceKit

/// Where a shipment is: `pending` (waiting to be packed) → `shipped` → `delivered`, or
/// `cancelled` with its order before it left.
enum ShipmentStatus: String, Codable, Sendable, CaseIterable {
    case pending, shipped, delivered, cancelled

    var next: Set<ShipmentStatus> {
        switch self {
        case .pending: [.shipped, .cancelled]
        case .shipped: [.delivered]
        case .delivered, .cancelled: []
        }
    }
}

extension ShipmentStatus: PostgresTextValue {}
