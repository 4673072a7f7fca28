import Foundation
import Hummingbird
import ServiceKit

/// A store's payment accounts, for its admins: where its bank transfers go, the key SePay
/// sends with its notices, and its card provider keys. Secrets are written, never read back:
/// the answer says which are set, and where the providers post this store's webhooks.
struct PaymentAccountsController: Controller {
    static let access = Access.admin
    let accounts: PaymentAccountStore

    struct Change: Decodable {
        var bankBin: String?
        var bankAccountNumber: String?
        var bankAccountName: String?
        var sepayApiKey: String?
        var cardSecretKey: String?
        var cardWebhookSecret: String?
    }

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.get("/admin/payment-accounts") { _, context -> PaymentAccountStore.View in
            try await accounts.view(logger: context.logger)
        }
        routes.put("/admin/payment-accounts") { request, context -> PaymentAccountStore.View in
            let change = try await request.decodeBody(Change.self, context: context)
            return try await accounts.save(try Self.validated(change, contentPrefix: accounts.contentPrefix), by: context.staffId,
                                           logger: context.logger)
        }
        return routes
    }

    /// The change as the store keeps it; a 422 naming every field that is wrong.
    static func validated(_ change: Change, contentPrefix: String) throws -> PaymentAccountStore.Change {
        var errors: [Problem.FieldError] = []
        let bankGiven = [change.bankBin, change.bankAccountNumber, change.bankAccountName].contains { $0 != nil }
        var bank: PaymentStore.BankAccount?
        if bankGiven {
            let bin = change.bankBin ?? "", number = change.bankAccountNumber ?? ""
            let name = (change.bankAccountName ?? "").trimmingCharacters(in: .whitespaces)
            if bin.count != 6 || !bin.allSatisfy(\.isASCIIDigit) { errors.append(.init(field: "bank_bin", message: "must be the bank's 6-digit NAPAS BIN")) }
            if !(6...19).contains(number.count) || !number.allSatisfy(\.isASCIIDigit) {
                errors.append(.init(field: "bank_account_number", message: "must be 6 to 19 digits"))
            }
            if !(1...100).contains(name.count) { errors.append(.init(field: "bank_account_name", message: "must be 1 to 100 characters")) }
            bank = .init(bin: bin, number: number, name: name, contentPrefix: contentPrefix)
        }
        func key(_ value: String?, field: String, prefix: String?) {
            guard let value else { return }
            if let problem = SecretSeal.credentialProblem(value) {
                errors.append(.init(field: field, message: problem))
            } else if let prefix, !value.hasPrefix(prefix) {
                errors.append(.init(field: field, message: "must start with \(prefix)"))
            }
        }
        key(change.sepayApiKey, field: "sepay_api_key", prefix: nil)
        key(change.cardSecretKey, field: "card_secret_key", prefix: "sk_")
        key(change.cardWebhookSecret, field: "card_webhook_secret", prefix: "whsec_")
        if !bankGiven && change.sepayApiKey == nil && change.cardSecretKey == nil && change.cardWebhookSecret == nil {
            errors.append(.init(field: "bank_bin", message: "give the bank account, a key or both"))
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return .init(bank: bank, sepayKey: change.sepayApiKey, cardSecretKey: change.cardSecretKey, cardWebhookSecret: change.cardWebhookSecret)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
