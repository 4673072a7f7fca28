import EventContracts
import Foundation
import Messaging
import ServiceKit

/// A checkout follows what the other services answer: the catalog's reservation (priced and
/// handed to orders as `checkout.placed`, or rejected), the order's number and how to pay,
/// and the payment, until it completes, fails or is rejected.
struct CheckoutProgress: EventHandler {
    let sessions: CheckoutStore
    /// Each store's shipping, tax and payment window.
    let rules: SalesRulesStore

    var reactions: EventReactions {
        EventReactions()
            .on(InventoryReserved.self) { reserved, context in try await place(reserved, context) }
            .on(InventoryRejected.self) { rejected, context in
                let id = rejected.checkoutId.uuid
                let problem = rejected.cartProblem.map { _ in "cart_closed" } ?? rejected.voucherProblem.map { "voucher:\($0)" } ?? "out_of_stock"
                try await sessions.reject(id, problem: problem, shortLines: rejected.shortLines, on: context.connection, logger: context.logger)
            }
            .on(OrderPlaced.self) { placed, context in
                let (id, order) = (placed.checkoutId.uuid, placed.orderId.uuid)
                // Cash on delivery completes with the order; anything else learns its number and waits for the payment.
                guard placed.paymentMethod == .cod,
                      try await sessions.completeCashOnDelivery(id, order: order, number: placed.orderNumber, on: context.connection,
                                                                logger: context.logger)
                else { return try await sessions.recordOrder(id, order: order, number: placed.orderNumber, on: context.connection, logger: context.logger) }
            }
            .on(PaymentOpened.self) { opened, context in
                let (id, order) = (opened.checkoutId.uuid, opened.orderId.uuid)
                try await sessions.awaitPayment(id, instructions: opened.instructions, order: order, number: opened.orderNumber,
                                                on: context.connection, logger: context.logger)
            }
            .on(PaymentSucceeded.self, when: { !$0.afterCancellation }) { paid, context in
                try await sessions.completePaid(paid.checkoutId.uuid, on: context.connection, logger: context.logger)
            }
            .on(PaymentFailed.self, when: \.final) { failed, context in
                try await sessions.failPayment(failed.checkoutId.uuid, reason: failed.reason, correlationId: context.correlationId, on: context.connection,
                                               logger: context.logger)
            }
    }

    /// Prices a reserved checkout and hands it to orders (`checkout.placed`).
    private func place(_ reserved: InventoryReserved, _ context: EventContext) async throws {
        let (connection, logger) = (context.connection, context.logger)
        let id = reserved.checkoutId.uuid
        guard let session = try await sessions.find(id, on: connection, logger: logger), session.status == .submitted else { return }
        let rules = try await rules.rules(on: connection, logger: logger)
        let price: PriceBreakdown
        do {
            price = try rules.pricing.price(lines: reserved.pricedLines, discount: reserved.discount, country: session.shippingAddress.country)
        } catch {
            try await sessions.failUnpriceable(id, correlationId: context.correlationId, on: connection, logger: logger)
            logger.error("reserved checkout could not be priced", metadata: ["checkout.id": "\(id)", "error": "\(error)"])
            return
        }
        let dueBy = !session.paymentMethod.paysInAdvance ? nil : Date().addingTimeInterval(Double(rules.paymentWindow.components.seconds))
        try await sessions.reserve(id, lines: reserved.pricedLines, price: price, dueBy: dueBy, on: connection, logger: logger)
        try await context.outbox.enqueue(
            CheckoutPlaced(checkoutId: reserved.checkoutId, customerId: session.customerId.map(CustomerID.init), contact: session.contact,
                           shippingAddress: session.shippingAddress, paymentMethod: session.paymentMethod, lines: reserved.pricedLines,
                           voucherCode: reserved.voucherCode, price: price, paymentDueBy: dueBy, page: session.page, answers: session.answers,
                           billingAddress: session.billingAddress, customerNote: session.customerNote),
            subject: reserved.checkoutId, correlationId: context.correlationId, on: connection, logger: logger)
    }
}
