import Foundation
import Hummingbird
import ServiceKit

/// Staff's payment desk: an order's payment with its provider events and refunds, refunds
/// (once per `Idempotency-Key`), payments flagged for a person, the ledger and the balance.
struct PaymentAdminRoutes: Sendable {
    let book: PaymentStore
    let ledger: LedgerStore
    let idempotency: IdempotencyKeys

    struct RefundRequest: Decodable {
        /// Omitted: everything left of the capture.
        var amountMinor: Int64?
        var reason: String?
    }

    func register(on router: Router<ServiceRequestContext>) {
        router.get("/admin/orders/{id}/payment") { request, context -> Payment in
            _ = try context.caller(of: request).requiring([.staff, .admin])
            guard let payment = try await ledger.detail(order: try context.uuid(what: "That order's payment"), book: book, logger: context.logger) else {
                throw Problem.notFound("That order's payment")
            }
            return payment
        }
        router.post("/admin/orders/{id}/refunds") { request, context -> Response in
            let staff = try context.caller(of: request).requiring([.staff, .admin])
            let order = try context.uuid(what: "That order's payment")
            let (body, bytes) = try await request.decodeBodyKeepingBytes(RefundRequest.self, context: context)
            var errors: [Problem.FieldError] = []
            if let amount = body.amountMinor, amount <= 0 { errors.append(.init(field: "amount_minor", message: "must be more than 0")) }
            let reason = body.reason?.trimmingCharacters(in: .whitespacesAndNewlines)
            if (reason?.count ?? 0) > 500 { errors.append(.init(field: "reason", message: "must be at most 500 characters")) }
            guard errors.isEmpty else { throw Problem.validation(errors) }
            let actor = "staff:\(staff.staffId?.uuidString.lowercased() ?? "unknown")"
            return try await idempotency.respond(to: request, context: context, scope: actor, bytes: bytes, status: .created) { connection in
                try await book.refund(orderId: order, amount: body.amountMinor, reason: reason.flatMap { $0.isEmpty ? nil : $0 }, actor: actor,
                                      correlationId: context.correlationId, on: connection, logger: context.logger)
            }.response
        }
        router.get("/admin/payments/flagged") { request, context -> Page<Payment> in
            _ = try context.caller(of: request).requiring([.staff, .admin])
            return try await ledger.flagged(page: try PageRequest(request), logger: context.logger)
        }
        router.get("/admin/ledger") { request, context -> Page<LedgerEntry> in
            _ = try context.caller(of: request).requiring([.staff, .admin])
            return try await ledger.entries(page: try PageRequest(request), logger: context.logger)
        }
        router.get("/admin/balance") { request, context -> Balance in
            _ = try context.caller(of: request).requiring([.staff, .admin])
            return try await ledger.balance(logger: context.logger)
        }
    }
}
