import EventContracts
import Foundation
import Logging
import Money
import Persistence
import PostgresNIO
import ServiceKit

/// Reading the merchant's money: the balance derived from the append-only ledger, the
/// entries themselves, payments that need a person, and one payment in full.
struct LedgerStore: Sendable {
    let database: Database

    func balance(logger: Logger) async throws -> Balance {
        let rows = try await database.client.query("""
            SELECT currency,
                   coalesce(sum(amount_minor) FILTER (WHERE kind = 'capture'), 0)::int8,
                   coalesce(-sum(amount_minor) FILTER (WHERE kind = 'refund'), 0)::int8,
                   coalesce(-sum(amount_minor) FILTER (WHERE kind = 'fee'), 0)::int8,
                   sum(amount_minor)::int8
            FROM ledger_entries GROUP BY currency ORDER BY currency
            """, logger: logger)
        var lines: [Balance.Line] = []
        for try await (currency, captured, refunded, fees, balance) in rows.decode((String, Int64, Int64, Int64, Int64).self) {
            lines.append(.init(currency: currency, captured: captured, refunded: refunded, fees: fees, balance: balance))
        }
        return Balance(balances: lines)
    }

    func entries(page: PageRequest, logger: Logger) async throws -> Page<LedgerEntry> {
        try await database.client.withConnection { connection in
            let rows = try await connection.query("""
                SELECT id, kind, amount_minor, currency, order_number, note, at FROM ledger_entries ORDER BY id DESC
                LIMIT \(page.size) OFFSET \(page.offset)
                """, logger: logger)
            var entries: [LedgerEntry] = []
            for try await (id, kind, amount, currency, number, note, at) in rows.decode((Int, String, Int64, String, String?, String?, Date).self) {
                entries.append(LedgerEntry(id: id, kind: kind, amount: Money(minorUnits: amount, currency: try Currency(stored: currency)),
                                           orderNumber: number, note: note, at: at))
            }
            var total = 0
            for try await count in try await connection.query("SELECT count(*)::int8 FROM ledger_entries", logger: logger).decode(Int.self) { total = count }
            return Page(items: entries, request: page, total: total)
        }
    }

    /// Payments with a flag (over-paid, paid after cancellation, refund due), newest first.
    func flagged(page: PageRequest, logger: Logger) async throws -> Page<Payment> {
        try await database.client.withConnection { connection in
            let rows = try await connection.query("""
                SELECT \(unescaped: Payment.columns) FROM payments WHERE flags <> '{}' ORDER BY updated_at DESC, id
                LIMIT \(page.size) OFFSET \(page.offset)
                """, logger: logger)
            var payments: [Payment] = []
            for try await row in rows.decode(Payment.Row.self) { payments.append(try Payment(row: row)) }
            var total = 0
            for try await count in try await connection.query("SELECT count(*)::int8 FROM payments WHERE flags <> '{}'", logger: logger).decode(Int.self) {
                total = count
            }
            return Page(items: payments, request: page, total: total)
        }
    }

    /// An order's payment with every provider event and refund.
    func detail(order: UUID, payments: PaymentStore, logger: Logger) async throws -> Payment? {
        try await database.client.withConnection { connection in
            guard var payment = try await payments.find(order: order, on: connection, logger: logger) else { return nil }
            let events = try await connection.query("""
                SELECT provider, event_id, kind, amount_minor, outcome, received_at FROM provider_events
                WHERE payment_id = \(payment.id.uuid) ORDER BY received_at, event_id
                """, logger: logger)
            payment.events = []
            for try await (provider, eventId, kind, amount, outcome, at) in events.decode((String, String, String, Int64?, String, Date).self) {
                payment.events?.append(ProviderEvent(provider: provider, eventId: eventId, kind: kind, amountMinor: amount, outcome: outcome, receivedAt: at))
            }
            let refunds = try await connection.query("""
                SELECT id, amount_minor, currency, channel, provider_refund_id, reason, actor, created_at FROM refunds
                WHERE payment_id = \(payment.id.uuid) ORDER BY created_at, id
                """, logger: logger)
            payment.refunds = []
            for try await (id, amount, currency, channel, providerId, reason, actor, at)
                in refunds.decode((RefundID, Int64, String, String, String?, String?, String, Date).self) {
                payment.refunds?.append(RefundRecord(id: id, amount: Money(minorUnits: amount, currency: try Currency(stored: currency)),
                                                     channel: channel, providerRefundId: providerId, reason: reason, actor: actor, createdAt: at))
            }
            return payment
        }
    }
}
