/// The emails the shop sends its customers, each named after its templates
/// (`<language>/<kind>.subject|text|html.mustache`).
enum EmailKind: String, Sendable, CaseIterable, Codable {
    case orderConfirmation = "order_confirmation"
    case paymentReceived = "payment_received"
    case shipped
    case delivered
    case cancelled
    case refunded
    case passwordReset = "password_reset"
    case emailVerification = "email_verification"
    case abandonedCart = "abandoned_cart"
    case staffInvitation = "staff_invitation"

    /// Emails whose body holds a secret (a reset, verification or invitation link): erased once handed to the server
    /// and never shown to staff.
    var holdsSecret: Bool { self == .passwordReset || self == .emailVerification || self == .staffInvitation }
}

/// A language the shop writes its emails in.
enum EmailLanguage: String, Sendable, CaseIterable {
    case english = "en"
    case vietnamese = "vi"
}
