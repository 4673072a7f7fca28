import EventContracts
import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit

/// The card provider's webhook, verified exactly as Stripe signs it (``StripeSignature``):
/// `payment_intent.succeeded` captures, `payment_intent.payment_failed` logs a failed
/// attempt, `charge.refunded` records refunds made at the provider. Each event counts once
/// by its id; events may come in any order (a refund before its success settles the
/// capture first; a failure after success changes nothing).
///
/// Each store's events come to its own address and are verified with its own signing secret
/// (``PaymentAccounts``): an event signed for another store does not verify.
struct StripeWebhook: Sendable {
    let payments: PaymentStore

    struct Event: Decodable, Sendable {
        var id: String
        var type: String
        var data: DataObject
    }

    struct DataObject: Decodable, Sendable {
        var object: ProviderObject
    }

    /// The parts of a PaymentIntent or Charge this service reads.
    struct ProviderObject: Decodable, Sendable {
        var id: String
        var object: String?
        var amount: Int64?
        var amountReceived: Int64?
        var amountCaptured: Int64?
        var paymentIntent: String?
        var refunds: RefundList?
        var lastPaymentError: PaymentError?
    }

    struct RefundList: Decodable, Sendable {
        var data: [ProviderRefund]
    }

    struct ProviderRefund: Decodable, Sendable {
        var id: String
        var amount: Int64
    }

    struct PaymentError: Decodable, Sendable {
        var code: String?
        var message: String?
    }

    struct Acknowledgement: ResponseEncodable {
        var received: Bool
    }

    func register(on router: Router<ServiceRequestContext>) {
        router.storeWebhook("stripe", database: payments.database) { request, context -> Acknowledgement in
            let bytes = Data(buffer: try await request.body.collect(upTo: context.maxUploadSize))
            do {
                guard let secret = try await payments.accounts.accounts(logger: context.logger).cardWebhookSecret else {
                    throw StripeSignature.Failure.noSignature
                }
                try StripeSignature(secret: secret).verify(header: request.headers[HTTPField.Name("Stripe-Signature")!], body: bytes)
            } catch {
                context.logger.warning("card webhook with a bad signature refused", metadata: ["reason": "\(error)"])
                throw Problem(status: .unauthorized, type: "webhook-signature-invalid", title: "The webhook's signature does not verify.")
            }
            let event = try Request.decode(Event.self, from: bytes)
            try await handle(event, payload: String(decoding: bytes, as: UTF8.self), context: context)
            return Acknowledgement(received: true)
        }
    }

    private func handle(_ event: Event, payload: String, context: ServiceRequestContext) async throws {
        let object = event.data.object
        let (logger, correlation) = (context.logger, context.correlationId)
        let intent = event.type.hasPrefix("payment_intent.") ? object.id : object.paymentIntent
        try await payments.database.transaction(logger: logger) { connection in
            let record = PaymentStore.ProviderEventRecord(provider: "card", eventId: event.id, kind: event.type,
                                                         amount: object.amountReceived ?? object.amountCaptured ?? object.amount, payload: payload)
            guard let intent, let payment = try await payments.find(providerPaymentId: intent, lock: true, on: connection, logger: logger) else {
                _ = try await payments.record(record, payment: nil, outcome: "unmatched", on: connection, logger: logger)
                return
            }
            switch event.type {
            case "payment_intent.succeeded":
                guard try await payments.record(record, payment: payment.id.uuid, outcome: "succeeded", on: connection, logger: logger) else { return }
                if payment.captured.minorUnits == 0 || payment.orderCancelled {
                    try await payments.settle(payment.id.uuid, arrived: object.amountReceived ?? object.amount ?? 0, source: "card \(intent)",
                                          correlationId: correlation, on: connection, logger: logger)
                }
            case "payment_intent.payment_failed":
                let late = payment.status == .succeeded
                guard try await payments.record(record, payment: payment.id.uuid, outcome: late ? "ignored_after_success" : "failed",
                                            on: connection, logger: logger), !late else { return }
                try await payments.outbox.enqueue(
                    PaymentFailed(paymentId: payment.id, orderId: payment.orderId, checkoutId: payment.checkoutId,
                                  reason: object.lastPaymentError?.code ?? object.lastPaymentError?.message ?? "card_declined", final: false),
                    subject: payment.orderId, correlationId: correlation, on: connection, logger: logger)
            case "charge.refunded":
                guard try await payments.record(record, payment: payment.id.uuid, outcome: "refunded", on: connection, logger: logger) else { return }
                var current = payment
                if current.captured.minorUnits == 0, let captured = object.amountCaptured, captured > 0 {
                    try await payments.settle(current.id.uuid, arrived: captured, source: "card \(intent) (capture seen with its refund)",
                                          correlationId: correlation, on: connection, logger: logger)
                    current = try await payments.find(current.id.uuid, lock: true, on: connection, logger: logger) ?? current
                }
                for refund in object.refunds?.data ?? [] {
                    let seen = try await payments.hasRefund(providerRefundId: refund.id, on: connection, logger: logger)
                    guard !seen, refund.amount > 0, refund.amount <= current.captured.minorUnits - current.refunded.minorUnits else { continue }
                    _ = try await payments.recordRefund(current, id: UUID(), amount: refund.amount, channel: "provider", providerRefundId: refund.id,
                                                    reason: "made at the card provider", actor: "provider", correlationId: correlation,
                                                    on: connection, logger: logger)
                    current = try await payments.find(current.id.uuid, lock: true, on: connection, logger: logger) ?? current
                }
            default:
                _ = try await payments.record(record, payment: payment.id.uuid, outcome: "ignored", on: connection, logger: logger)
            }
        }
    }
}
