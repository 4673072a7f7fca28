import EventContracts
import Foundation
import Hummingbird

/// One change of a variant's stock, as the movement log keeps it: every set, adjustment,
/// reservation, release, sale and restock, with the levels after it. The log adds up: the sum
/// of a variant's deltas is its current level.
struct StockMovement: ResponseEncodable, Sendable {
    enum Kind: String, Codable, Sendable {
        case set, adjust, reserve, release, sale, restock, correction
    }

    var id: Int64
    var kind: Kind
    var onHandDelta: Int
    var reservedDelta: Int
    var onHandAfter: Int
    var reservedAfter: Int
    var reason: String?
    var reference: String?
    var at: Date
}

/// A variant's stock levels; available = on hand − reserved, never negative.
struct StockLevel: ResponseEncodable, Sendable, Equatable {
    var variantId: VariantID
    var sku: String
    var onHand: Int
    var reserved: Int
    var available: Int { onHand - reserved }

    private enum CodingKeys: String, CodingKey { case variantId, sku, onHand, reserved, available }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(variantId, forKey: .variantId)
        try container.encode(sku, forKey: .sku)
        try container.encode(onHand, forKey: .onHand)
        try container.encode(reserved, forKey: .reserved)
        try container.encode(available, forKey: .available)
    }
}
