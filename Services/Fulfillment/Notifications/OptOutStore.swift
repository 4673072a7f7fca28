import EventContracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceKit

/// Customers who want no more reminders (the abandoned-cart email; order emails always go).
/// Every reminder carries a signed one-click link (RFC 8058 `List-Unsubscribe`) that opts
/// its customer out without signing in; signed-in customers set it themselves too.
struct OptOutStore: Sendable {
    let database: Database
    let signer: LinkSigner
    /// The API route one-click unsubscribes post to (through the gateway).
    let apiURL: String
    /// The storefront page the email's own link opens (it asks, then posts to the API).
    let storefrontURL: String

    func isValid(signature: String, customer: UUID, store: StoreID) -> Bool {
        signer.isValid(signature, of: LinkSigner.reminders(customer: customer, store: store))
    }

    /// The link's query for the task's store's customer: a mail client's one-click post names
    /// no store of its own, so the link carries it (signed with the customer).
    private func query(for customer: UUID) -> String {
        let store = StoreScope.current ?? .original
        let storePart = store == .original ? "" : "&store=\(store)"
        return "customer=\(customer.uuidString.lowercased())\(storePart)&signature=\(signer.signature(of: LinkSigner.reminders(customer: customer, store: store)))"
    }

    /// For the `List-Unsubscribe` header: mail clients post here.
    func oneClickURL(for customer: UUID) -> String { "\(apiURL)?\(query(for: customer))" }

    /// For the email's text: the storefront's page.
    func pageURL(for customer: UUID) -> String { "\(storefrontURL)/unsubscribe?\(query(for: customer))" }

    func isOptedOut(_ customer: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("SELECT 1 FROM reminder_opt_outs WHERE customer_id = \(customer)", logger: logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }

    func isOptedOut(_ customer: UUID, logger: Logger) async throws -> Bool {
        try await database.client.withConnection { try await isOptedOut(customer, on: $0, logger: logger) }
    }

    func set(_ customer: UUID, wantsReminders: Bool, logger: Logger) async throws {
        if wantsReminders {
            try await database.client.query("DELETE FROM reminder_opt_outs WHERE customer_id = \(customer)", logger: logger)
        } else {
            try await database.client.query(
                "INSERT INTO reminder_opt_outs (customer_id) VALUES (\(customer)) ON CONFLICT (customer_id, store_id) DO NOTHING", logger: logger)
        }
    }
}
