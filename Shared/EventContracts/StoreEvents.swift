import Foundation

/// The settings of a store every service may need, as the store registry (the gateway) keeps
/// them. Credentials are never part of it: each is written only to the service that uses it.
public struct StoreSettings: Codable, Sendable, Equatable {
    public var name: String
    public var slug: String
    /// ISO 3166-1 alpha-2, e.g. `VN`.
    public var country: String
    /// ISO 4217, e.g. `VND`: the store's default currency.
    public var currency: String
    /// `vi` or `en`.
    public var language: String
    /// IANA, e.g. `Asia/Ho_Chi_Minh`.
    public var timeZone: String
    /// The first part of the store's order numbers (`SHOP-20261122-0042`).
    public var orderPrefix: String
    /// Where customers' replies to the store's emails go (`Reply-To`); the emails are sent
    /// from the deployment's address under the store's name. Nil: replies go to that address.
    public var supportEmail: String?
    /// Available units at or below which the store hears of low stock; nil: the deployment's.
    public var lowStockThreshold: Int?
    /// How its order numbers are made; nil: sequential.
    public var orderNumbers: OrderNumberStyle?

    public init(name: String, slug: String, country: String, currency: String, language: String, timeZone: String, orderPrefix: String,
                supportEmail: String? = nil, lowStockThreshold: Int? = nil, orderNumbers: OrderNumberStyle? = nil) {
        self.orderNumbers = orderNumbers
        self.name = name
        self.slug = slug
        self.country = country
        self.currency = currency
        self.language = language
        self.timeZone = timeZone
        self.orderPrefix = orderPrefix
        self.supportEmail = supportEmail
        self.lowStockThreshold = lowStockThreshold
    }
}

/// How a store's order numbers are made: `sequential` (`SHOP-20261122-0042`, counted per shop
/// day) or `random` (`SHOP-7K3M9QXA`: eight characters of Crockford's base 32, unguessable, so
/// numbers do not reveal how many orders a store takes).
public enum OrderNumberStyle: String, Codable, Sendable, CaseIterable {
    case sequential, random
}

/// A platform operator created a store. Each service sets up the store's defaults and answers
/// with ``StoreProvisioned``; the store opens when every service has. Keyed by the store id.
public struct StoreCreated: EventPayload, Equatable {
    public static let eventType = "shop.platform.store.created.v1"

    public var storeId: StoreID
    public var settings: StoreSettings
    /// Who will own it: invited by email.
    public var ownerEmail: String

    public init(storeId: StoreID, settings: StoreSettings, ownerEmail: String) {
        self.storeId = storeId
        self.settings = settings
        self.ownerEmail = ownerEmail
    }
}

/// One service has done its part for a new store (its own copy of the settings, its
/// defaults). Every service publishes it on ``Topic/platform``; the store registry reads it.
/// Keyed by the store id.
public struct StoreProvisioned: EventPayload, Equatable {
    public static let eventType = "shop.platform.store.provisioned.v1"

    public var storeId: StoreID
    /// The service that did its part, e.g. `catalog`.
    public var service: String

    public init(storeId: StoreID, service: String) {
        self.storeId = storeId
        self.service = service
    }
}

/// A store's admins changed its settings (name, language, time zone, order-number prefix,
/// support email, low-stock threshold): every service replaces its copy. Keyed by the store id.
public struct StoreSettingsChanged: EventPayload, Equatable {
    public static let eventType = "shop.platform.store.settings_changed.v1"

    public var storeId: StoreID
    public var settings: StoreSettings

    public init(storeId: StoreID, settings: StoreSettings) {
        self.storeId = storeId
        self.settings = settings
    }
}

/// A store opened (every service provisioned it), was suspended, or resumed. A suspended
/// store keeps its data; its storefront and checkouts are refused. Keyed by the store id.
public struct StoreStatusChanged: EventPayload, Equatable {
    public static let eventType = "shop.platform.store.status_changed.v1"

    public var storeId: StoreID
    /// `active` or `suspended`.
    public var status: String
    public var reason: String?

    public init(storeId: StoreID, status: String, reason: String? = nil) {
        self.storeId = storeId
        self.status = status
        self.reason = reason
    }
}
