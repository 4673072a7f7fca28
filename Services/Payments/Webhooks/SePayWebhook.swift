import Crypto
import Foundation
import Hummingbird
import ServiceKit

/// SePay's bank-transfer notification: `POST /webhooks/sepay` with
/// `Authorization: Apikey <key>`, the store's own key (compared in constant time). Each transfer is recorded once
/// by SePay's transaction id; the order is found from the transfer content
/// (`{PREFIX} {ORDER_NUMBER}`, banks may strip the separators), the amount judged against
/// what is due. SePay expects `{"success": true}` for every transfer it may stop resending.
/// A store's transfers come to `/stores/{store}/webhooks/sepay` and carry its order numbers
/// (its own prefix; the original store's is `ORDER_NUMBER_PREFIX`).
struct SePayWebhook: Sendable {
    let payments: PaymentStore
    let orderPrefix: String
    let stores: ServedStores

    struct Transfer: Decodable, Sendable {
        var id: Int64
        var gateway: String?
        var transactionDate: String?
        var accountNumber: String?
        var code: String?
        var content: String?
        var transferType: String
        var transferAmount: Int64
        var referenceCode: String?
    }

    struct Acknowledgement: ResponseEncodable {
        var success: Bool
    }

    func register(on router: Router<ServiceRequestContext>) {
        router.storeWebhook("sepay", database: payments.database) { request, context -> Acknowledgement in
            // The store's own key (``PaymentAccounts``): a notice signed for another store is refused.
            guard try await payments.accounts.accounts(logger: context.logger).sepayAuthorizes(request.headers[.authorization]) else {
                context.logger.warning("SePay webhook with a wrong or missing API key refused")
                throw Problem(status: .unauthorized, type: "webhook-unauthorized", title: "The webhook's API key is wrong or missing.")
            }
            let (transfer, bytes) = try await request.decodeBodyKeepingBytes(Transfer.self, context: context)
            guard transfer.transferAmount >= 0 else {
                throw Problem.validation([.init(field: "transferAmount", message: "must not be negative")])
            }
            let prefix = try await stores.settings(of: try context.store, database: payments.database, logger: context.logger)?.orderPrefix
                ?? orderPrefix
            let number = Self.orderNumber(in: [transfer.code, transfer.content].compactMap { $0 }.joined(separator: " "), prefix: prefix)
            let event = PaymentStore.ProviderEventRecord(provider: "sepay", eventId: String(transfer.id), kind: "transfer_\(transfer.transferType)",
                                                        amount: transfer.transferAmount, payload: String(decoding: bytes, as: UTF8.self))
            try await payments.applyTransfer(event, incoming: transfer.transferType == "in", orderNumber: number, arrived: transfer.transferAmount,
                                             source: "bank transfer \(transfer.referenceCode ?? String(transfer.id))",
                                             correlationId: context.correlationId, logger: context.logger)
            return Acknowledgement(success: true)
        }
    }

    /// The order number in a transfer's content: `PREFIX-YYYYMMDD-NNNN`, with or without the
    /// separators (`DH SHOP-20261122-0042`, `DH SHOP202611220042`), or a random one,
    /// `PREFIX-XXXXXXXX` (`dh shop 7k3m9qxa`; banks drop the hyphen and change the case).
    static func orderNumber(in content: String, prefix: String) -> String? {
        let text = content.uppercased()
        let escaped = NSRegularExpression.escapedPattern(for: prefix)
        let range = NSRange(text.startIndex..., in: text)
        if let sequential = try? NSRegularExpression(pattern: "\(escaped)[^A-Z0-9]*([0-9]{8})[^A-Z0-9]*([0-9]{4,6})(?![0-9])"),
           let match = sequential.firstMatch(in: text, range: range),
           let day = Range(match.range(at: 1), in: text), let sequence = Range(match.range(at: 2), in: text) {
            return "\(prefix)-\(text[day])-\(text[sequence])"
        }
        // A random number always has a letter, so a date never reads as one.
        guard let random = try? NSRegularExpression(
                pattern: "\(escaped)[^A-Z0-9]*((?=[0-9]{0,7}[A-HJKMNP-TV-Z])[0-9A-HJKMNP-TV-Z]{8})(?![0-9A-Z])"),
              let match = random.firstMatch(in: text, range: range), let code = Range(match.range(at: 1), in: text) else { return nil }
        return "\(prefix)-\(text[code])"
    }
}
