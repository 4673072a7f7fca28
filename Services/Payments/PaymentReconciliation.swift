import Foundation
import Persistence
import ServiceKit

/// The payments service's reconciliation checks: its card payments against the card
/// provider's records, and succeeded payments against the orders said to be paid, both ways.
enum PaymentReconciliation {
    /// How far back card payments are checked, and at most how many per run.
    static let cardWindow = Duration.seconds(86_400)
    static let cardLimit = 200

    /// `grace`: how long a succeeded payment may wait for its order to be said paid (events
    /// in flight).
    static func checks(payments: PaymentStore, grace: Duration) -> [ReconciliationCheck] {
        [
            ReconciliationCheck("card-payments-vs-provider",
                                summary: "Card payments of the last day against the card provider's payment intents.") { logger in
                var found: [Mismatch] = []
                for record in try await payments.cardPayments(within: cardWindow, limit: cardLimit, logger: logger) {
                    // Each payment is asked of its own store's provider account.
                    guard let card = try await StoreScope.run(for: record.store, {
                        try await payments.database.client.withConnection { try await payments.card(on: $0, logger: logger) }
                    }) else {
                        found.append(Mismatch(subject: "payment_intent:\(record.intent)", detail: "order \(record.orderNumber): the store has no card key"))
                        continue
                    }
                    let intent = try await card.paymentIntent(record.intent, logger: logger)
                    if let problem = disagreement(record, intent) {
                        found.append(Mismatch(subject: "payment_intent:\(record.intent)", detail: "order \(record.orderNumber): \(problem)"))
                    }
                }
                return found
            },
            ReconciliationCheck("payments-vs-paid-orders",
                                summary: "Succeeded payments against the orders said to be paid, both ways.") { logger in
                try await payments.paidOrderMismatches(grace: grace, logger: logger)
            },
        ]
    }

    /// What the provider's intent and our payment disagree on, if anything.
    static func disagreement(_ record: PaymentStore.CardRecord, _ intent: CardProvider.PaymentIntent) -> String? {
        let providerPaid = intent.status == "succeeded"
        let weSayPaid = record.status == "succeeded"
        if providerPaid && !weSayPaid {
            return "the provider says succeeded (\(intent.amountReceived ?? 0) received), we say \(record.status)"
        }
        if weSayPaid && !providerPaid {
            return "we say succeeded, the provider says \(intent.status)"
        }
        if providerPaid, let received = intent.amountReceived, received != record.captured {
            return "captured \(record.captured), the provider received \(received)"
        }
        return nil
    }
}
