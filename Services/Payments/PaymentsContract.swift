import EventContracts
import ServiceKit

/// The payments admin routes as the OpenAPI document shows them (under `/api/payments` at
/// the gateway). Provider webhooks are on the service's own webhook listener and not here.
enum PaymentsContract {
    static let money = Schema.ref("Money")

    static let contract = APIContract(
        [
            .init(PaymentDeskController.self, [
                APIOperation(.get, "/admin/orders/{id}/payment", id: "orderPayment",
                             summary: "An order's payment with every provider event (the attempt log) and refund.", tag: "payments admin",
                             answers: [.init(200, "The payment.", schema: Schema.ref("Payment"))]),
                APIOperation(.post, "/admin/orders/{id}/refunds", id: "refundOrder",
                             summary: "Refund all or part of what was captured (card: through the provider; otherwise recorded as manual).",
                             tag: "payments admin", headers: [(name: "Idempotency-Key", description: "Required; repeating it returns the same refund.", required: true)],
                             body: Schema.object(["amount_minor": Schema.integer(minimum: 1, description: "Omitted: everything left to refund."),
                                                  "reason": Schema.string(maxLength: 500)]),
                             answers: [.init(201, "Refunded.", schema: Schema.ref("Refund"),
                                             headers: [("Idempotent-Replayed", "`true` when this repeats an earlier answer.")]),
                                       .init(409, "Nothing is left to refund, or the same key is in flight.", schema: Schema.ref("Problem")),
                                       .init(502, "The card provider did not make the refund; nothing changed.", schema: Schema.ref("Problem"))]),
                APIOperation(.get, "/admin/payments/flagged", id: "flaggedPayments",
                             summary: "Payments needing a person: over-paid, paid after cancellation, refund due.", tag: "payments admin",
                             query: PageRequest.parameters,
                             answers: [.init(200, "A page of payments.", schema: Page<Payment>.schema(of: Schema.ref("Payment")))]),
                APIOperation(.get, "/admin/ledger", id: "ledgerEntries", summary: "The merchant ledger, newest entry first.", tag: "payments admin",
                             query: PageRequest.parameters,
                             answers: [.init(200, "A page of entries.", schema: Page<LedgerEntry>.schema(of: Schema.ref("LedgerEntry")))]),
                APIOperation(.get, "/admin/balance", id: "merchantBalance", summary: "The balance per currency, derived from the ledger.",
                             tag: "payments admin", answers: [.init(200, "The balance.", schema: Schema.ref("Balance"))]),
            ]),
            .init(PaymentAccountsController.self, [
                APIOperation(.get, "/admin/payment-accounts", id: "paymentAccounts",
                             summary: "The store's bank account for transfers, which provider keys it has set (never the keys), and its webhook addresses.",
                             tag: "payments admin", answers: [.init(200, "The accounts.", schema: Schema.ref("PaymentAccounts"))]),
                APIOperation(.put, "/admin/payment-accounts", id: "setPaymentAccounts",
                             summary: "Set the store's bank account and provider keys; omitted keys stay as they are.", tag: "payments admin",
                             body: Schema.object([
                                "bank_bin": Schema.string(pattern: "^[0-9]{6}$"), "bank_account_number": Schema.string(pattern: "^[0-9]{6,19}$"),
                                "bank_account_name": Schema.string(minLength: 1, maxLength: 100),
                                "sepay_api_key": Schema.string(minLength: 16, maxLength: 255),
                                "card_secret_key": Schema.string(minLength: 16, maxLength: 255, pattern: "^sk_"),
                                "card_webhook_secret": Schema.string(minLength: 16, maxLength: 255, pattern: "^whsec_"),
                             ]),
                             answers: [.init(200, "What is set now.", schema: Schema.ref("PaymentAccounts")),
                                       .init(409, "The deployment cannot keep card keys (no CREDENTIALS_KEY).", schema: Schema.ref("Problem"))]),
            ]),
        ],
        schemas: [
            Schema.moneyComponent,
            ("PaymentAccounts", Schema.object([
                "bank_bin": Schema.string(), "bank_account_number": Schema.string(), "bank_account_name": Schema.string(),
                "sepay_api_key_set": Schema.boolean, "card_secret_key_set": Schema.boolean, "card_webhook_secret_set": Schema.boolean,
                "sepay_webhook_path": Schema.string(), "card_webhook_path": Schema.string(),
            ], required: ["sepay_api_key_set", "card_secret_key_set", "card_webhook_secret_set", "sepay_webhook_path", "card_webhook_path"])),
            ("Refund", Schema.object([
                "id": Schema.uuid, "amount": money, "channel": Schema.string(oneOf: ["provider", "manual"]), "provider_refund_id": Schema.string(),
                "reason": Schema.string(), "actor": Schema.string(), "created_at": Schema.timestamp,
            ], required: ["id", "amount", "channel", "actor", "created_at"])),
            ("ProviderEvent", Schema.object([
                "provider": Schema.string(), "event_id": Schema.string(), "kind": Schema.string(), "amount_minor": Schema.integer(),
                "outcome": Schema.string(), "received_at": Schema.timestamp,
            ], required: ["provider", "event_id", "kind", "outcome", "received_at"])),
            ("Payment", Schema.object([
                "id": Schema.uuid, "order_id": Schema.uuid, "order_number": Schema.string(), "checkout_id": Schema.uuid, "customer_id": Schema.uuid,
                "method": Schema.string(oneOf: PaymentMethod.allCases.map(\.rawValue)),
                "status": Schema.string(oneOf: PaymentStatus.allCases.map(\.rawValue)),
                "amount": money, "received": money, "captured": money, "refunded": money, "provider_payment_id": Schema.string(),
                "instructions": ["type": "object"], "order_cancelled": Schema.boolean, "flags": Schema.array(of: Schema.string()),
                "due_by": Schema.timestamp, "created_at": Schema.timestamp, "updated_at": Schema.timestamp,
                "events": Schema.array(of: Schema.ref("ProviderEvent")), "refunds": Schema.array(of: Schema.ref("Refund")),
            ], required: ["id", "order_id", "order_number", "method", "status", "amount", "received", "captured", "refunded", "flags"])),
            ("LedgerEntry", Schema.object([
                "id": Schema.integer(), "kind": Schema.string(oneOf: ["capture", "refund", "fee"]), "amount": money, "order_number": Schema.string(),
                "note": Schema.string(), "at": Schema.timestamp,
            ], required: ["id", "kind", "amount", "at"])),
            ("Balance", Schema.object([
                "balances": Schema.array(of: Schema.object([
                    "currency": Schema.string(), "captured": Schema.integer(), "refunded": Schema.integer(), "fees": Schema.integer(),
                    "balance": Schema.integer(),
                ], required: ["currency", "captured", "refunded", "fees", "balance"])),
            ], required: ["balances"])),
        ])
}
