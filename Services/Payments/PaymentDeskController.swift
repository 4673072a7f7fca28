import Foundation
import Hummingbird
import ServiceKit

/// Staff's payment desk: an order's payment with its provider events and refunds, refunds
/// (once per `Idempotency-Key`), payments flagged for a person, the ledger and the balance.
struct PaymentDeskController: Controller {
    static let access = Access.staff
    let payments: PaymentStore
    let ledger: LedgerStore
    let idempotency: IdempotencyKeys

    struct RefundRequest: Decodable {
        /// Omitted: everything left of the capture.
        var amountMinor: Int64?
        var reason: String?
    }

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.get("/admin/orders/{id}/payment") { _, context -> Payment in
            guard let payment = try await ledger.detail(order: try context.uuid(what: "That order's payment"), payments: payments, logger: context.logger) else {
                throw Problem.notFound("That order's payment")
            }
            return payment
        }
        routes.post("/admin/orders/{id}/refunds") { request, context -> Response in
            let order = try context.uuid(what: "That order's payment")
            let (body, bytes) = try await request.decodeBodyKeepingBytes(RefundRequest.self, context: context)
            var errors: [Problem.FieldError] = []
            if let amount = body.amountMinor, amount <= 0 { errors.append(.init(field: "amount_minor", message: "must be more than 0")) }
            let reason = body.reason?.trimmingCharacters(in: .whitespacesAndNewlines)
            if (reason?.count ?? 0) > 500 { errors.append(.init(field: "reason", message: "must be at most 500 characters")) }
            guard errors.isEmpty else { throw Problem.validation(errors) }
            let actor = context.staffActor
            return try await idempotency.respond(to: request, context: context, scope: actor, bytes: bytes, status: .created) { connection in
                try await payments.refund(orderId: order, amount: body.amountMinor, reason: reason.flatMap { $0.isEmpty ? nil : $0 }, actor: actor,
                                          correlationId: context.correlationId, on: connection, logger: context.logger)
            }.response
        }
        routes.get("/admin/payments/flagged") { request, context -> Page<Payment> in
            try await ledger.flagged(page: try PageRequest(request), logger: context.logger)
        }
        routes.get("/admin/ledger") { request, context -> Page<LedgerEntry> in
            try await ledger.entries(page: try PageRequest(request), logger: context.logger)
        }
        routes.get("/admin/balance") { _, context -> Balance in
            try await ledger.balance(logger: context.logger)
        }
        return routes
    }
}
