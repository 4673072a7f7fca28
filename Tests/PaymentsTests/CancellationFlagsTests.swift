import AsyncHTTPClient
import EventContracts
import Foundation
import Messaging
import Money
@testable import Payments
import Persistence
import PostgresNIO
import ServiceKit
import ServiceKitTestKit
import Testing

/// What payments marks for staff when an order is cancelled, whatever order the events
/// arrive in: money captured before payments heard that the payment window closed is paid
/// after cancellation and due for refund; a paid order cancelled by staff is only due for
/// refund; an unpaid payment just closes.
@Suite("Payments: flags when an order is cancelled")
struct CancellationFlagsTests {
    private func placed(_ method: PaymentMethod) -> OrderPlaced {
        OrderPlaced(orderId: .new(), orderNumber: "SHOP-20261122-\(Int.random(in: 1000...9999))",
                    checkoutId: .new(), customerId: nil, email: "lan@example.com", paymentMethod: method,
                    total: Money(minorUnits: 270_000, currency: .vnd), status: "pending_payment", paymentDueBy: nil)
    }

    @Test("captured, then the payment window's cancellation arrives: paid_after_cancellation and refund_due; staff's cancellation of a paid order: refund_due; unpaid: cancelled, no flags")
    func flags() async throws {
        try await TestSchema.with(prefix: "pay") { schema in
            let logger = TestInfrastructure.logger
            try await TestInfrastructure.withClient(schema.settings) { database in
                try await MigrationRunner(database: database, migrations: KitMigrations.all + PaymentsMigrations.all).migrate(logger: logger)
                let accounts = PaymentAccountStore(
                    database: database, deployment: PaymentAccounts(bank: .init(bin: "970436", number: "0011001234567", name: "SHOP", contentPrefix: "DH"),
                                                                    cardSecretKey: "sk_unused"),
                    seal: nil, contentPrefix: "DH")
                let payments = PaymentStore(database: database, outbox: Outbox(topic: "unused", serviceName: "payments", schema: schema.name),
                                            accounts: accounts, cardAPI: CardProvider.API(client: HTTPClient.shared, baseURL: "http://127.0.0.1:9"),
                                            cardFeeBasisPoints: 0)
                func flags(after reason: String, captured: Bool) async throws -> (String, [String]) {
                    let order = placed(.bankTransfer)
                    let id = order.orderId.uuid
                    try await database.transaction(logger: logger) { connection in
                        try await payments.open(order, correlationId: nil, on: connection, logger: logger)
                        if captured {
                            try await connection.query("""
                                UPDATE payments SET status = 'succeeded', received_minor = amount_minor, captured_minor = amount_minor WHERE order_id = \(id)
                                """, logger: logger)
                        }
                        try await payments.orderCancelled(orderId: id, reason: reason, on: connection, logger: logger)
                    }
                    let rows = try await database.client.query("SELECT status, flags FROM payments WHERE order_id = \(id)", logger: logger)
                    for try await row in rows.decode((String, [String]).self) { return row }
                    Issue.record("no payment")
                    return ("", [])
                }
                let late = try await flags(after: "payment_timeout", captured: true)
                #expect(late.0 == "succeeded" && late.1 == ["paid_after_cancellation", "refund_due"], "\(late)")
                let staff = try await flags(after: "staff", captured: true)
                #expect(staff.0 == "succeeded" && staff.1 == ["refund_due"], "\(staff)")
                let unpaid = try await flags(after: "payment_timeout", captured: false)
                #expect(unpaid.0 == "cancelled" && unpaid.1.isEmpty, "\(unpaid)")
            }
        }
    }
}
