import Foundation

/// A customer asked to reset their password. The notifications side emails `resetToken` as
/// a link; the token is single-use and expires at `expiresAt`. Consumers must not log it.
public struct PasswordResetRequested: EventPayload, Equatable {
    public static let eventType = "shop.identity.password_reset.requested.v1"

    public var customerId: CustomerID
    public var email: String
    public var name: String
    public var resetToken: String
    public var expiresAt: Date

    public init(customerId: CustomerID, email: String, name: String, resetToken: String, expiresAt: Date) {
        self.customerId = customerId
        self.email = email
        self.name = name
        self.resetToken = resetToken
        self.expiresAt = expiresAt
    }
}

/// A customer opened an account. The notifications side keeps the address to write to
/// (abandoned-cart reminders name only the customer). Keyed by the customer id.
public struct CustomerRegistered: EventPayload, Equatable {
    public static let eventType = "shop.identity.customer.registered.v1"

    public var customerId: CustomerID
    public var email: String
    public var name: String

    public init(customerId: CustomerID, email: String, name: String) {
        self.customerId = customerId
        self.email = email
        self.name = name
    }
}

/// A customer should prove their email: the notifications side emails `verificationToken` as
/// a link (single use, expires at `expiresAt`). Consumers must not log the token.
public struct EmailVerificationRequested: EventPayload, Equatable {
    public static let eventType = "shop.identity.email_verification.requested.v1"

    public var customerId: CustomerID
    public var email: String
    public var name: String
    public var verificationToken: String
    public var expiresAt: Date

    public init(customerId: CustomerID, email: String, name: String, verificationToken: String, expiresAt: Date) {
        self.customerId = customerId
        self.email = email
        self.name = name
        self.verificationToken = verificationToken
        self.expiresAt = expiresAt
    }
}

/// A customer proved that `email` is theirs: orders placed as a guest with it now belong to
/// them. Keyed by the customer id.
public struct EmailVerified: EventPayload, Equatable {
    public static let eventType = "shop.identity.email.verified.v1"

    public var customerId: CustomerID
    public var email: String

    public init(customerId: CustomerID, email: String) {
        self.customerId = customerId
        self.email = email
    }
}

/// A person was invited to work in a store (a new store's owner, or staff an admin added
/// without a password): the notifications side emails `invitationToken` as a link, in the
/// store's language. The token is single-use and expires at `expiresAt`; consumers must not
/// log it. Keyed by the staff member's id.
public struct StaffInvited: EventPayload, Equatable {
    public static let eventType = "shop.identity.staff.invited.v1"

    public var staffId: UUID
    public var email: String
    public var storeId: StoreID
    public var storeName: String
    /// `owner`, `admin` or `staff`.
    public var role: String
    /// `vi` or `en`: the store's language.
    public var language: String
    public var invitationToken: String
    public var expiresAt: Date
    /// The deployment's page that accepts the invitation, with the token; nil where it has none
    /// (the email then names the API call).
    public var acceptUrl: String?

    public init(staffId: UUID, email: String, storeId: StoreID, storeName: String, role: String, language: String,
                invitationToken: String, expiresAt: Date, acceptUrl: String? = nil) {
        self.staffId = staffId
        self.email = email
        self.storeId = storeId
        self.storeName = storeName
        self.role = role
        self.language = language
        self.invitationToken = invitationToken
        self.expiresAt = expiresAt
        self.acceptUrl = acceptUrl
    }
}
