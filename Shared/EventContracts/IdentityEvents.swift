import Foundation

/// A customer asked to reset their password. The notifications side emails `resetToken` as
/// a link; the token is single-use and expires at `expiresAt`. Consumers must not log it.
public struct PasswordResetRequested: EventPayload, Equatable {
    public static let eventType = "shop.identity.password_reset.requested.v1"

    public var customerId: String
    public var email: String
    public var name: String
    public var resetToken: String
    public var expiresAt: Date

    public init(customerId: String, email: String, name: String, resetToken: String, expiresAt: Date) {
        self.customerId = customerId
        self.email = email
        self.name = name
        self.resetToken = resetToken
        self.expiresAt = expiresAt
    }
}
