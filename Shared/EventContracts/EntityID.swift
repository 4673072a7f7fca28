import Foundation

/// The id of one kind of thing the shop keeps: a UUID that travels as its lower-case text
/// (`"3f2b…"`), as every id always has. Typed so that an order's id cannot be passed where a
/// checkout's is expected, and so that an event whose id is not a UUID fails to decode (the
/// consumer dead-letters it) instead of reaching a handler that has to guess.
public protocol EntityID: Hashable, Codable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    var uuid: UUID { get }
    init(_ uuid: UUID)
}

extension EntityID {
    /// A new, random id.
    public static func new() -> Self { Self(UUID()) }

    /// The id written as text, or nil when the text is not a UUID.
    public init?(_ text: String) {
        guard let uuid = UUID(uuidString: text) else { return nil }
        self.init(uuid)
    }

    /// The lower-case text the id travels as.
    public var description: String { uuid.uuidString.lowercased() }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let uuid = UUID(uuidString: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(String(text.prefix(64))) is not a UUID")
        }
        self.init(uuid)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A product of the catalog.
public struct ProductID: EntityID {
    public let uuid: UUID
    public init(_ uuid: UUID) { self.uuid = uuid }
}

/// A variant of a product: what is stocked, priced and sold.
public struct VariantID: EntityID {
    public let uuid: UUID
    public init(_ uuid: UUID) { self.uuid = uuid }
}

/// A category of the catalog.
public struct CategoryID: EntityID {
    public let uuid: UUID
    public init(_ uuid: UUID) { self.uuid = uuid }
}

/// A cart.
public struct CartID: EntityID {
    public let uuid: UUID
    public init(_ uuid: UUID) { self.uuid = uuid }
}

/// Stock held for one checkout.
public struct ReservationID: EntityID {
    public let uuid: UUID
    public init(_ uuid: UUID) { self.uuid = uuid }
}

/// A checkout session.
public struct CheckoutID: EntityID {
    public let uuid: UUID
    public init(_ uuid: UUID) { self.uuid = uuid }
}

/// An order.
public struct OrderID: EntityID {
    public let uuid: UUID
    public init(_ uuid: UUID) { self.uuid = uuid }
}

/// A payment of an order.
public struct PaymentID: EntityID {
    public let uuid: UUID
    public init(_ uuid: UUID) { self.uuid = uuid }
}

/// A refund of a payment.
public struct RefundID: EntityID {
    public let uuid: UUID
    public init(_ uuid: UUID) { self.uuid = uuid }
}

/// A shipment of an order's goods.
public struct ShipmentID: EntityID {
    public let uuid: UUID
    public init(_ uuid: UUID) { self.uuid = uuid }
}

/// A customer account.
public struct CustomerID: EntityID {
    public let uuid: UUID
    public init(_ uuid: UUID) { self.uuid = uuid }
}

/// A store: one shop of the deployment. Everything the shop owns belongs to exactly one.
public struct StoreID: EntityID {
    public let uuid: UUID
    public init(_ uuid: UUID) { self.uuid = uuid }

    /// The store a deployment's data from before stores existed belongs to, and the one a
    /// storefront request that names no store reaches (where the deployment allows that). Its
    /// id is fixed so that every service's migration can backfill it without asking anyone.
    public static let original = StoreID(UUID(uuidString: "00000000-0000-4000-8000-000000000001")!)
}

/// A checkout page a merchant built: what it sells, the questions it asks, where it is embedded.
public struct CheckoutPageID: EntityID {
    public let uuid: UUID
    public init(_ uuid: UUID) { self.uuid = uuid }
}
