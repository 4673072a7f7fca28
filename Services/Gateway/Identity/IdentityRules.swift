import Foundation
import ServiceKit

extension Problem {
    /// A blocked customer tried to sign in or to place an order.
    static let accountBlocked = Problem(status: .forbidden, type: "account-blocked", title: "This account is blocked.")
}

/// What the shop accepts as an email, a password and a phone number at sign-up.
enum IdentityRules {
    static func isEmail(_ text: String) -> Bool {
        text.count <= 254 && text.range(of: #"^[^\s@]+@[^\s@]+\.[^\s@]{2,}$"#, options: .regularExpression) != nil
    }

    /// bcrypt reads at most 72 bytes, so longer passwords are refused rather than truncated.
    static func passwordProblem(_ password: String) -> String? {
        if password.count < 8 { return "must be at least 8 characters" }
        if password.utf8.count > 72 { return "must be at most 72 bytes" }
        return nil
    }

    /// Throws a 422 naming `field` when `password` is not acceptable.
    static func checkPassword(_ password: String, field: String) throws {
        if let problem = passwordProblem(password) { throw Problem.validation([.init(field: field, message: problem)]) }
    }

    static func isPhone(_ text: String) -> Bool {
        text.range(of: #"^\+?[0-9]{8,15}$"#, options: .regularExpression) != nil
    }
}
