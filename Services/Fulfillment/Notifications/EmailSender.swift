import EventContracts
import Foundation
import Logging
import ServiceKit

/// Hands claimed emails to the SMTP server, five at a time (run by the kit's
/// ``ClaimedWork``, apart from the event consumer, so a slow or absent server never holds
/// events up). A 5xx refusal is final; anything else waits its backoff.
///
/// Every store's emails leave from the deployment's address (the one its mail domain
/// vouches for), under the store's name, with replies going to the store's support address.
struct EmailSender: Sendable {
    let emails: EmailStore
    let smtp: SMTPClient
    let from: MailMessage.Mailbox
    let environment: ServiceEnvironment
    var stores = ServedStores()

    var work: ClaimedWork<EmailStore.Claimed> {
        ClaimedWork("customer-emails", batch: 5, environment: environment, changes: emails.changes, wakeKey: EmailStore.wakeKey,
                    claim: { [emails, environment] limit in try await emails.claimDue(limit: limit, logger: environment.logger) },
                    handle: { [self] email in await send(email) })
    }

    func message(for email: EmailStore.Claimed, store: StoreSettings? = nil) -> MailMessage? {
        guard let to = MailMessage.Mailbox(name: email.recipientName, address: email.recipient) else { return nil }
        let from = store.flatMap { MailMessage.Mailbox(name: $0.name, address: self.from.address) } ?? self.from
        let replyTo = store?.supportEmail.flatMap { MailMessage.Mailbox(name: store?.name, address: $0) }
        let domain = from.address.split(separator: "@").last.map(String.init) ?? "localhost"
        var headers = [("X-Commerce-Email", email.kind), ("X-Commerce-Event", email.eventId)]
        if let unsubscribe = email.unsubscribeURL {
            headers += [("List-Unsubscribe", "<\(unsubscribe)>"), ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")]
        }
        return MailMessage(from: from, to: to, replyTo: replyTo, subject: email.subject, text: email.text, html: email.html,
                           messageId: "\(email.id.uuidString.lowercased())@\(domain)", date: email.createdAt, extraHeaders: headers)
    }

    func send(_ email: EmailStore.Claimed) async {
        let logger = environment.logger
        let metadata: Logger.Metadata = ["email.id": "\(email.id)", "email.kind": "\(email.kind)", "attempt": "\(email.attempt)"]
        do {
            let store = try await stores.settings(of: email.storeId, database: emails.database, logger: logger)
            guard let message = message(for: email, store: store) else {
                try await emails.failed(email, error: "the recipient address is not usable", permanent: true, logger: logger)
                return
            }
            do {
                try await smtp.send(message, logger: logger)
            } catch {
                let permanent = (error as? SMTPClient.Refusal)?.isPermanent ?? false
                logger.warning("email not sent", metadata: metadata.merging(["error": "\(error)"]) { $1 })
                try await emails.failed(email, error: String(describing: error).prefix(500).description, permanent: permanent, logger: logger)
                return
            }
            try await emails.sent(email, logger: logger)
            logger.info("email sent", metadata: metadata)
        } catch {
            logger.error("could not record an email's outcome; it is tried again after its claim lapses",
                         metadata: metadata.merging(["error": "\(String(reflecting: error))"]) { $1 })
        }
    }
}
