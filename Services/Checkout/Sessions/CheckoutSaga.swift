import EventContracts
import Foundation
import PostgresNIO
import ServiceKit

/// Checkout's part of the order saga: it keeps the cart replica, prices a checkout once the
/// catalog reserved it and hands it to orders (`checkout.placed`), learns the order number
/// and how to pay, and completes the checkout when the money (or a cash-on-delivery order)
/// is there.
struct CheckoutSaga: EventHandler {
    let sessions: CheckoutSessions
    let replica: CartReplica
    let pricing: CheckoutPricing
    let paymentWindow: Duration

    var eventTypes: Set<String> {
        [CartUpdated.eventType, InventoryReserved.eventType, InventoryRejected.eventType, OrderPlaced.eventType,
         PaymentOpened.eventType, PaymentSucceeded.eventType, PaymentFailed.eventType]
    }

    func handle(_ context: EventContext) async throws {
        let envelope = context.envelope
        let (connection, logger, correlation) = (context.connection, context.logger, envelope.correlationId)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        func json(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }

        switch envelope.type {
        case CartUpdated.eventType:
            try await replica.apply(envelope.decodeData(CartUpdated.self), on: connection, logger: logger)

        case InventoryReserved.eventType:
            let reserved = try envelope.decodeData(InventoryReserved.self)
            guard let id = UUID(uuidString: reserved.checkoutId),
                  let session = try await sessions.find(id, on: connection, logger: logger), session.status == .submitted else { return }
            let price: PriceBreakdown
            do {
                price = try pricing.price(lines: reserved.pricedLines, discount: reserved.discount, country: session.shippingAddress.country)
            } catch {
                try await sessions.move(id, to: .reserved, reason: nil, on: connection, logger: logger)
                try await sessions.move(id, to: .failed, reason: "not_priceable", set: [("problem", "not_priceable")],
                                        on: connection, logger: logger)
                try await context.outbox.enqueue(CheckoutClosed(checkoutId: reserved.checkoutId, reason: "rejected"),
                                                 subject: reserved.checkoutId, correlationId: correlation, on: connection, logger: logger)
                logger.error("reserved checkout could not be priced", metadata: ["checkout.id": "\(id)", "error": "\(error)"])
                return
            }
            let dueBy = !session.paymentMethod.paysInAdvance ? nil : Date().addingTimeInterval(Double(paymentWindow.components.seconds))
            var columns: [(String, any PostgresEncodable & Sendable)] = [
                ("lines::jsonb", try json(reserved.pricedLines)), ("price::jsonb", try json(price)), ("currency", price.total.currency.code),
            ]
            if let dueBy { columns.append(("payment_due_by", dueBy)) }
            try await sessions.move(id, to: .reserved, reason: nil, set: columns, on: connection, logger: logger)
            try await context.outbox.enqueue(
                CheckoutPlaced(checkoutId: reserved.checkoutId, customerId: session.customerId?.uuidString.lowercased(), contact: session.contact,
                               shippingAddress: session.shippingAddress, paymentMethod: session.paymentMethod, lines: reserved.pricedLines,
                               voucherCode: reserved.voucherCode, price: price, paymentDueBy: dueBy),
                subject: reserved.checkoutId, correlationId: correlation, on: connection, logger: logger)

        case InventoryRejected.eventType:
            let rejected = try envelope.decodeData(InventoryRejected.self)
            guard let id = UUID(uuidString: rejected.checkoutId) else { return }
            let problem = rejected.cartProblem.map { _ in "cart_closed" } ?? rejected.voucherProblem.map { "voucher:\($0)" } ?? "out_of_stock"
            try await sessions.move(id, to: .rejected, reason: problem,
                                    set: [("problem", problem), ("short_lines::jsonb", try json(rejected.shortLines))],
                                    on: connection, logger: logger)

        case OrderPlaced.eventType:
            let placed = try envelope.decodeData(OrderPlaced.self)
            guard let id = UUID(uuidString: placed.checkoutId), let order = UUID(uuidString: placed.orderId) else { return }
            let number: [(String, any PostgresEncodable & Sendable)] = [("order_id", order), ("order_number", placed.orderNumber)]
            // Cash on delivery completes with the order; anything else learns its number and waits for the payment.
            let instructions = PaymentInstructions(nextAction: "pay_on_delivery")
            guard placed.paymentMethod == .cod,
                  try await sessions.move(id, to: .completed, reason: "order_confirmed", set: number + [("payment::jsonb", try json(instructions))],
                                          on: connection, logger: logger)
            else { return try await sessions.update(id, set: number, on: connection, logger: logger) }

        case PaymentOpened.eventType:
            let opened = try envelope.decodeData(PaymentOpened.self)
            guard let id = UUID(uuidString: opened.checkoutId), let order = UUID(uuidString: opened.orderId) else { return }
            try await sessions.move(id, to: .awaitingPayment, reason: nil,
                                    set: [("payment::jsonb", try json(opened.instructions)), ("order_id", order), ("order_number", opened.orderNumber)],
                                    on: connection, logger: logger)

        case PaymentSucceeded.eventType:
            let paid = try envelope.decodeData(PaymentSucceeded.self)
            guard let id = UUID(uuidString: paid.checkoutId), !paid.afterCancellation else { return }
            try await sessions.move(id, to: .completed, reason: "paid", on: connection, logger: logger)

        case PaymentFailed.eventType:
            let failed = try envelope.decodeData(PaymentFailed.self)
            guard failed.final, let id = UUID(uuidString: failed.checkoutId) else { return }
            if try await sessions.move(id, to: .failed, reason: failed.reason, set: [("problem", "payment_failed")],
                                       on: connection, logger: logger) {
                try await context.outbox.enqueue(CheckoutClosed(checkoutId: failed.checkoutId, reason: "payment_failed"),
                                                 subject: failed.checkoutId, correlationId: correlation, on: connection, logger: logger)
            }

        default:
            return
        }
    }
}
