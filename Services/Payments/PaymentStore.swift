import EventContracts
import Foundation
import Logging
import Messaging
import Money
import Persistence
import PostgresNIO
import ServiceKit

/// Payments in the database: opened per order, settled by provider events (each recorded
/// once, by provider and event id), refunded never beyond what was captured, every movement
/// of money written to the append-only ledger in the same transaction.
struct PaymentStore: Sendable {
    /// Where bank transfers go (shown in the VietQR payload and to the customer).
    struct BankAccount: Sendable {
        var bin: String
        var number: String
        var name: String
        var contentPrefix: String
    }

    let database: Database
    let outbox: Outbox
    /// Each store's bank account and provider keys.
    let accounts: PaymentAccountStore
    /// The card provider's API, asked with the store's secret key.
    let cardAPI: CardProvider.API
    let cardFeeBasisPoints: Int64

    /// The card provider as the task's store's account (nil: the store has no card key).
    func card(on connection: PostgresConnection, logger: Logger) async throws -> CardProvider? {
        try await accounts.accounts(on: connection, logger: logger).cardSecretKey.map { cardAPI.account($0) }
    }

    /// Opens the payment of a placed order: cash on delivery, a bank transfer with its
    /// content and VietQR payload, or a card payment created at the provider; the last two
    /// are announced (`payment.opened`) with how to pay. A provider
    /// that refuses (4xx) fails the payment for good; one that cannot be reached throws, so
    /// the event is retried. The provider is asked with the order as its idempotency key, so
    /// asking again for the same order gives the same payment.
    func open(_ placed: OrderPlaced, correlationId: String?, on connection: PostgresConnection, logger: Logger) async throws {
        let (orderId, checkoutId) = (placed.orderId.uuid, placed.checkoutId.uuid)
        let id = UUID()
        var instructions: PaymentInstructions
        var status = PaymentStatus.awaiting
        var providerId: String?
        var failure = "provider_refused"
        let accounts = try await self.accounts.accounts(on: connection, logger: logger)
        switch placed.paymentMethod {
        case .cod:
            instructions = PaymentInstructions(nextAction: "pay_on_delivery")
            status = .collectOnDelivery
        case .bankTransfer:
            guard let bank = accounts.bank else {
                logger.error("the store has no bank account for transfers", metadata: ["order.id": "\(orderId)"])
                (instructions, status, failure) = (PaymentInstructions(nextAction: "none"), .failed, "method_not_configured")
                break
            }
            let content = "\(bank.contentPrefix) \(placed.orderNumber)"
            let qr = VietQR(bankBin: bank.bin, accountNumber: bank.number, amount: placed.total.minorUnits, purpose: content)
            instructions = PaymentInstructions(transferContent: content, qrPayload: qr.payload, bankBin: bank.bin, bankAccount: bank.number,
                                               accountName: bank.name, nextAction: "transfer")
        case .card:
            guard let secretKey = accounts.cardSecretKey else {
                logger.error("the store has no card provider key", metadata: ["order.id": "\(orderId)"])
                (instructions, status, failure) = (PaymentInstructions(nextAction: "none"), .failed, "method_not_configured")
                break
            }
            let card = cardAPI.account(secretKey)
            do {
                let intent = try await card.createPaymentIntent(amount: placed.total, orderId: placed.orderId.description, orderNumber: placed.orderNumber,
                                                                logger: logger)
                providerId = intent.id
                instructions = PaymentInstructions(providerPaymentId: intent.id, clientSecret: intent.clientSecret, nextAction: "confirm_card_payment")
            } catch let failure as CardProvider.Failure where (400..<500).contains(failure.status) {
                logger.error("card provider refused to open a payment", metadata: ["order.id": "\(orderId)", "error": "\(failure)"])
                instructions = PaymentInstructions(nextAction: "none")
                status = .failed
            }
        }
        let encoded = String(decoding: try JSONEncoder().encode(instructions), as: UTF8.self)
        // An order's payment opens once: a placement seen again (the provider answered it
        // with the same payment, by its idempotency key) inserts nothing and announces nothing.
        let inserted = try await connection.query("""
            INSERT INTO payments (id, order_id, order_number, checkout_id, customer_id, method, status, currency, amount_minor,
                                  provider_payment_id, instructions, due_by)
            VALUES (\(id), \(orderId), \(placed.orderNumber), \(checkoutId), \(placed.customerId),
                    \(placed.paymentMethod), \(status), \(placed.total.currency.code), \(placed.total.minorUnits), \(providerId),
                    \(encoded)::jsonb, \(placed.paymentDueBy))
            ON CONFLICT (order_id) DO NOTHING RETURNING 1
            """, logger: logger)
        var opened = false
        for try await _ in inserted.decode(Int.self) { opened = true }
        guard opened else { return }
        let subject = placed.orderId.description
        if status == .failed {
            try await outbox.enqueue(PaymentFailed(paymentId: PaymentID(id), orderId: placed.orderId, checkoutId: placed.checkoutId,
                                                   reason: failure, final: true),
                                     subject: subject, correlationId: correlationId, on: connection, logger: logger)
            return
        }
        // Cash on delivery has nothing to pay now: the order's confirmation already answered
        // the checkout, and the cash is collected on delivery.
        guard placed.paymentMethod != .cod else { return }
        try await outbox.enqueue(
            PaymentOpened(paymentId: PaymentID(id), orderId: placed.orderId, orderNumber: placed.orderNumber,
                          checkoutId: placed.checkoutId, method: placed.paymentMethod, amount: placed.total, instructions: instructions,
                          dueBy: placed.paymentDueBy),
            subject: subject, correlationId: correlationId, on: connection, logger: logger)
    }

    /// A provider event as received.
    struct ProviderEventRecord: Sendable {
        var provider: String
        var eventId: String
        var kind: String
        var amount: Int64?
        var payload: String
    }

    /// Records a provider event once. Returns false for one already recorded (a redelivery):
    /// the caller does nothing more.
    func record(_ event: ProviderEventRecord, payment: UUID?, outcome: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("""
            INSERT INTO provider_events (provider, event_id, payment_id, kind, amount_minor, outcome, payload)
            VALUES (\(event.provider), \(event.eventId), \(payment), \(event.kind), \(event.amount), \(outcome), \(event.payload)::jsonb)
            ON CONFLICT (provider, event_id, store_id) DO NOTHING RETURNING 1
            """, logger: logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }

    /// A cash-on-delivery order was delivered: its cash is collected and settles the payment,
    /// once (the delivery is recorded as the provider event `delivered:<order>`).
    func collectOnDelivery(order: UUID, correlationId: String?, on connection: PostgresConnection, logger: Logger) async throws {
        guard let payment = try await find(order: order, on: connection, logger: logger), payment.status == .collectOnDelivery else { return }
        let event = ProviderEventRecord(provider: "cod", eventId: "delivered:\(order.uuidString.lowercased())", kind: "cash_collected",
                                        amount: payment.amount.minorUnits, payload: "{}")
        guard try await record(event, payment: payment.id.uuid, outcome: "collected", on: connection, logger: logger) else { return }
        try await settle(payment.id.uuid, arrived: payment.amount.minorUnits, source: "cash collected on delivery",
                         correlationId: correlationId, on: connection, logger: logger)
    }

    /// What became of money that arrived.
    enum Settlement: String, Sendable {
        case paid, underpaid, overpaid, afterCancellation = "paid_after_cancellation"
    }

    /// A bank transfer the bank reported (once per provider event): money in for a
    /// bank-transfer payment of `orderNumber` settles it; anything else is kept as unmatched.
    func applyTransfer(_ event: ProviderEventRecord, incoming: Bool, orderNumber: String?, arrived amount: Int64, source: String,
                       correlationId: String?, logger: Logger) async throws {
        try await database.transaction(logger: logger) { connection in
            guard incoming, let orderNumber,
                  let payment = try await find(orderNumber: orderNumber, lock: true, on: connection, logger: logger),
                  payment.method == .bankTransfer else {
                if try await record(event, payment: nil, outcome: "unmatched", on: connection, logger: logger) {
                    logger.info("bank transfer without a matching order recorded", metadata: ["provider.event": "\(event.eventId)"])
                }
                return
            }
            guard try await record(event, payment: payment.id.uuid, outcome: "received", on: connection, logger: logger) else {
                logger.info("repeated bank transfer ignored", metadata: ["provider.event": "\(event.eventId)"])
                return
            }
            try await settle(payment.id.uuid, arrived: amount, source: source, correlationId: correlationId, on: connection, logger: logger)
        }
    }

    /// Money arrived for a payment: captured and written to the ledger, then judged against
    /// what is due. Under-payment leaves the order unpaid; over-payment and money for a
    /// cancelled order are flagged for staff.
    @discardableResult
    func settle(_ paymentId: UUID, arrived amount: Int64, source: String, correlationId: String?,
                on connection: PostgresConnection, logger: Logger) async throws -> Settlement? {
        guard let payment = try await find(paymentId, lock: true, on: connection, logger: logger), amount > 0 else { return nil }
        let currency = payment.amount.currency
        let received = payment.received.minorUnits + amount
        var flags = Set(payment.flags)
        var status = payment.status
        let settlement: Settlement
        if payment.orderCancelled || payment.status == .cancelled {
            settlement = .afterCancellation
            flags.formUnion(["paid_after_cancellation", "refund_due"])
        } else if payment.status == .succeeded {
            settlement = .overpaid
            flags.insert("overpaid")
        } else if received < payment.amount.minorUnits {
            settlement = .underpaid
            status = .underpaid
        } else {
            settlement = received > payment.amount.minorUnits ? .overpaid : .paid
            if settlement == .overpaid { flags.insert("overpaid") }
            status = .succeeded
        }
        try await connection.query("""
            UPDATE payments SET received_minor = \(received), captured_minor = captured_minor + \(amount), status = \(status),
                flags = \(flags.sorted()), updated_at = now() WHERE id = \(paymentId)
            """, logger: logger)
        try await ledger(payment, kind: "capture", amount: amount, note: source, on: connection, logger: logger)
        if payment.method == .card, cardFeeBasisPoints > 0 {
            let fee = (amount * cardFeeBasisPoints + 5_000) / 10_000
            if fee > 0 { try await ledger(payment, kind: "fee", amount: -fee, note: "card processing fee", on: connection, logger: logger) }
        }
        let captured = Money(minorUnits: payment.captured.minorUnits + amount, currency: currency)
        let subject = payment.orderId
        switch settlement {
        case .underpaid:
            try await outbox.enqueue(
                PaymentUnderpaid(paymentId: payment.id, orderId: payment.orderId, checkoutId: payment.checkoutId, expected: payment.amount,
                                 received: Money(minorUnits: received, currency: currency)),
                subject: subject, correlationId: correlationId, on: connection, logger: logger)
        case .paid, .overpaid where payment.status != .succeeded:
            let extra = received - payment.amount.minorUnits
            try await outbox.enqueue(
                PaymentSucceeded(paymentId: payment.id, orderId: payment.orderId, orderNumber: payment.orderNumber, checkoutId: payment.checkoutId,
                                 method: payment.method, amount: captured, overpaid: extra > 0 ? Money(minorUnits: extra, currency: currency) : nil),
                subject: subject, correlationId: correlationId, on: connection, logger: logger)
        case .afterCancellation:
            try await outbox.enqueue(
                PaymentSucceeded(paymentId: payment.id, orderId: payment.orderId, orderNumber: payment.orderNumber, checkoutId: payment.checkoutId,
                                 method: payment.method, amount: Money(minorUnits: amount, currency: currency), afterCancellation: true),
                subject: subject, correlationId: correlationId, on: connection, logger: logger)
            logger.warning("money arrived for a cancelled order; flagged for refund", metadata: ["order.number": "\(payment.orderNumber)"])
        case .overpaid:
            logger.warning("more money arrived for a paid order; flagged", metadata: ["order.number": "\(payment.orderNumber)"])
        }
        return settlement
    }

    /// The order was cancelled: an open payment closes; money already captured is flagged
    /// for refund. When the order was cancelled because no payment came in time, money that
    /// reached us before we heard of it is also `paid_after_cancellation`: the customer paid
    /// for an order the shop had already given up (the same flag as money arriving later).
    func orderCancelled(orderId: UUID, reason: String, on connection: PostgresConnection, logger: Logger) async throws {
        let timedOut = reason == "payment_timeout"
        let rows = try await connection.query("""
            UPDATE payments SET order_cancelled = true,
                status = CASE WHEN status IN ('awaiting', 'collect_on_delivery', 'underpaid') AND captured_minor = 0 THEN 'cancelled' ELSE status END,
                flags = (SELECT coalesce(array_agg(DISTINCT flag ORDER BY flag), '{}') FROM unnest(flags
                            || CASE WHEN captured_minor > refunded_minor THEN '{refund_due}'::text[] ELSE '{}'::text[] END
                            || CASE WHEN captured_minor > 0 AND \(timedOut) THEN '{paid_after_cancellation}'::text[] ELSE '{}'::text[] END) AS flag),
                updated_at = now()
            WHERE order_id = \(orderId)
            RETURNING id, method, status, provider_payment_id
            """, logger: logger)
        for try await (id, method, status, intent) in rows.decode((UUID, PaymentMethod, PaymentStatus, String?).self)
        where method == .card && status == .cancelled {
            guard let intent else { continue }
            try await cancelIntent(intent, payment: id, on: connection, logger: logger)
        }
    }

    /// Cancels a card payment's intent at the provider, so the customer can no longer pay
    /// for a cancelled order. The provider refusing (the intent was paid or cancelled
    /// meanwhile) is logged: money that still arrives is captured and flagged for refund. The
    /// provider unreachable flags the payment for staff rather than holding the cancellation.
    private func cancelIntent(_ intent: String, payment: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        do {
            guard let card = try await card(on: connection, logger: logger) else { throw CardProvider.Failure(status: 401, message: "no card key") }
            _ = try await card.cancel(paymentIntent: intent, logger: logger)
        } catch let failure as CardProvider.Failure where (400..<500).contains(failure.status) {
            logger.info("card provider kept the payment intent", metadata: ["payment.id": "\(payment)", "error": "\(failure)"])
        } catch {
            logger.warning("card provider unreachable to cancel a payment intent", metadata: ["payment.id": "\(payment)", "error": "\(error)"])
            try await connection.query("""
                UPDATE payments SET flags = flags || '{intent_cancel_failed}'::text[]
                WHERE id = \(payment) AND NOT 'intent_cancel_failed' = ANY(flags)
                """, logger: logger)
        }
    }

    /// Refunds up to what is left of the capture: through the card provider for a card
    /// payment, recorded as a manual refund (the shop sends the money) otherwise. Concurrent
    /// refunds queue on the payment's row, so their sum never passes the capture.
    func refund(orderId: UUID, amount requested: Int64?, reason: String?, actor: String, correlationId: String?,
                on connection: PostgresConnection, logger: Logger) async throws -> RefundRecord {
        guard let payment = try await find(order: orderId, lock: true, on: connection, logger: logger) else {
            throw Problem.notFound("A payment for that order")
        }
        let refundable = payment.captured.minorUnits - payment.refunded.minorUnits
        guard refundable > 0 else {
            throw Problem(status: .conflict, type: "nothing-to-refund", title: "Nothing of this payment is left to refund.",
                          detail: "Captured \(payment.captured), refunded \(payment.refunded).")
        }
        let amount = requested ?? refundable
        guard amount <= refundable else {
            throw Problem.validation([.init(field: "amount_minor", message: "exceeds what is left to refund (\(refundable) of \(payment.captured.minorUnits) captured)")])
        }
        let id = UUID()
        var channel = "manual"
        var providerRefund: String?
        if payment.method == .card, let intent = payment.providerPaymentId {
            do {
                guard let card = try await card(on: connection, logger: logger) else { throw CardProvider.Failure(status: 401, message: "no card key") }
                providerRefund = try await card.refund(paymentIntent: intent, amount: amount, refundId: id.uuidString.lowercased(), logger: logger).id
            } catch {
                logger.error("card provider refund failed", metadata: ["order.number": "\(payment.orderNumber)", "error": "\(error)"])
                throw Problem(status: .badGateway, type: "provider-refund-failed", title: "The card provider did not make the refund.",
                              detail: "Nothing was refunded; try again.")
            }
            channel = "provider"
        }
        return try await recordRefund(payment, id: id, amount: amount, channel: channel, providerRefundId: providerRefund, reason: reason,
                                      actor: actor, correlationId: correlationId, on: connection, logger: logger)
    }

    /// Writes a refund that happened (ours, or one made in the provider's dashboard).
    func recordRefund(_ payment: Payment, id: UUID, amount: Int64, channel: String, providerRefundId: String?, reason: String?, actor: String,
                      correlationId: String?, on connection: PostgresConnection, logger: Logger) async throws -> RefundRecord {
        let currency = payment.amount.currency
        try await connection.query("""
            INSERT INTO refunds (id, payment_id, amount_minor, currency, channel, provider_refund_id, reason, actor)
            VALUES (\(id), \(payment.id.uuid), \(amount), \(currency.code), \(channel), \(providerRefundId), \(reason), \(actor))
            """, logger: logger)
        let refunded = payment.refunded.minorUnits + amount
        try await connection.query("""
            UPDATE payments SET refunded_minor = \(refunded), updated_at = now(),
                flags = CASE WHEN \(refunded) >= captured_minor THEN array_remove(flags, 'refund_due') ELSE flags END
            WHERE id = \(payment.id.uuid)
            """, logger: logger)
        try await ledger(payment, kind: "refund", amount: -amount, note: "\(channel) refund\(reason.map { ": \($0)" } ?? "")", on: connection, logger: logger)
        try await outbox.enqueue(
            RefundSucceeded(refundId: RefundID(id), paymentId: payment.id, orderId: payment.orderId,
                            amount: Money(minorUnits: amount, currency: currency), refundedTotal: Money(minorUnits: refunded, currency: currency),
                            captured: payment.captured, channel: channel),
            subject: payment.orderId, correlationId: correlationId, on: connection, logger: logger)
        return RefundRecord(id: RefundID(id), amount: Money(minorUnits: amount, currency: currency), channel: channel,
                            providerRefundId: providerRefundId, reason: reason, actor: actor, createdAt: Date())
    }

    private func ledger(_ payment: Payment, kind: String, amount: Int64, note: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO ledger_entries (payment_id, order_number, kind, amount_minor, currency, note)
            VALUES (\(payment.id.uuid), \(payment.orderNumber), \(kind), \(amount), \(payment.amount.currency.code), \(note))
            """, logger: logger)
    }

    func find(_ id: UUID, lock: Bool = false, on connection: PostgresConnection, logger: Logger) async throws -> Payment? {
        try await first("id = $1", id, lock: lock, on: connection, logger: logger)
    }

    func find(order: UUID, lock: Bool = false, on connection: PostgresConnection, logger: Logger) async throws -> Payment? {
        try await first("order_id = $1", order, lock: lock, on: connection, logger: logger)
    }

    func find(providerPaymentId: String, lock: Bool = false, on connection: PostgresConnection, logger: Logger) async throws -> Payment? {
        try await first("provider_payment_id = $1", providerPaymentId, lock: lock, on: connection, logger: logger)
    }

    /// Whether a refund the card provider reports is already recorded.
    func hasRefund(providerRefundId: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("SELECT 1 FROM refunds WHERE provider_refund_id = \(providerRefundId)", logger: logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }

    func find(orderNumber: String, lock: Bool = false, on connection: PostgresConnection, logger: Logger) async throws -> Payment? {
        try await first("order_number = $1", orderNumber, lock: lock, on: connection, logger: logger)
    }

    private func first(_ condition: String, _ value: some PostgresNonThrowingEncodable & Sendable, lock: Bool,
                       on connection: PostgresConnection, logger: Logger) async throws -> Payment? {
        var bindings = PostgresBindings()
        bindings.append(value)
        let sql = "SELECT \(Payment.columns) FROM payments WHERE \(condition)\(lock ? " FOR UPDATE" : "")"
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).decode(Payment.Row.self) {
            return try Payment(row: row)
        }
        return nil
    }
}

extension PaymentStore {
    /// Notes that the orders service says `settled`'s order is paid (reconciliation holds it
    /// against the order's payment).
    func notePaid(_ settled: OrderSettled, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO paid_order_notices (order_id, order_number) VALUES (\(settled.orderId.uuid), \(settled.orderNumber))
            ON CONFLICT (order_id) DO NOTHING
            """, logger: logger)
    }

    /// Paid orders and succeeded payments that do not match: a non-COD payment that succeeded
    /// more than `grace` ago whose order was never said to be paid (and was not cancelled),
    /// and an order said to be paid without a succeeded payment.
    func paidOrderMismatches(grace: Duration, logger: Logger) async throws -> [Mismatch] {
        var found: [Mismatch] = []
        for try await (order, number, side) in try await database.client.query("""
            SELECT p.order_id, p.order_number, 'payment' FROM payments p
            WHERE p.status = 'succeeded' AND p.method <> 'cod' AND NOT p.order_cancelled
              AND p.updated_at > now() - interval '7 days'
              AND p.updated_at < now() - make_interval(secs => \(Double(grace.components.seconds)))
              AND NOT EXISTS (SELECT 1 FROM paid_order_notices n WHERE n.order_id = p.order_id)
            UNION ALL
            SELECT n.order_id, n.order_number, 'order' FROM paid_order_notices n
            WHERE NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = n.order_id AND p.status = 'succeeded')
            LIMIT 500
            """, logger: logger).decode((UUID, String, String).self) {
            found.append(Mismatch(subject: "order:\(order.uuidString.lowercased())", detail: side == "payment"
                ? "order \(number): the payment succeeded, the order was never said to be paid"
                : "order \(number): said to be paid, without a succeeded payment"))
        }
        return found
    }

    /// A card payment as reconciliation holds it against the provider's record.
    struct CardRecord: Sendable {
        var store: StoreID
        var orderNumber: String
        var intent: String
        var status: String
        var captured: Int64
    }

    /// Card payments with a provider intent, touched in the last `window`, newest first.
    func cardPayments(within window: Duration, limit: Int, logger: Logger) async throws -> [CardRecord] {
        var records: [CardRecord] = []
        for try await (store, number, intent, status, captured) in try await database.client.query("""
            SELECT store_id, order_number, provider_payment_id, status, captured_minor FROM payments
            WHERE method = 'card' AND provider_payment_id IS NOT NULL
              AND updated_at > now() - make_interval(secs => \(Double(window.components.seconds)))
            ORDER BY updated_at DESC LIMIT \(limit)
            """, logger: logger).decode((UUID, String, String, String, Int64).self) {
            records.append(CardRecord(store: StoreID(store), orderNumber: number, intent: intent, status: status, captured: captured))
        }
        return records
    }
}
