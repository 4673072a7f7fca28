import Foundation
import Hummingbird
import ServiceKit

/// The storefront's order API: a customer's history, figures and orders (someone else's
/// order is 404), cancelling before fulfilment starts, and a guest's lookup by order
/// number and email.
struct OrderRoutes: Sendable {
    let book: OrderStore

    func register(on router: Router<ServiceRequestContext>) {
        router.get("/orders") { request, context -> Page<Order> in
            let customer = try customerId(request, context)
            return try await book.list(OrderStore.Filter(customer: customer), page: try PageRequest(request), logger: context.logger)
        }
        router.get("/orders/stats") { request, context -> CustomerStats in
            try await book.stats(customer: try customerId(request, context), logger: context.logger)
        }
        router.get("/orders/lookup") { request, context -> Order in
            var errors: [Problem.FieldError] = []
            let number = try request.queryText("number", maxLength: 40)
            let email = try request.queryText("email", maxLength: 254)
            if number == nil { errors.append(.init(field: "number", message: "is required")) }
            if email == nil { errors.append(.init(field: "email", message: "is required")) }
            guard errors.isEmpty, let number, let email else { throw Problem.validation(errors) }
            guard let id = try await book.lookup(number: number, email: email, logger: context.logger),
                  let order = try await book.detail(id, logger: context.logger) else {
                throw Problem.notFound("An order with that number and email")
            }
            return order
        }
        router.get("/orders/{id}") { request, context -> Order in
            try await owned(request, context)
        }
        router.post("/orders/{id}/cancel") { request, context -> Order in
            let order = try await owned(request, context)
            guard order.status.customerMayCancel else {
                throw Problem(status: .conflict, type: "order-not-cancellable", title: "This order can no longer be cancelled.",
                              detail: "It is \(order.status.rawValue); orders can be cancelled until fulfilment starts.")
            }
            let id = try context.uuid(what: "That order")
            try await book.database.transaction(logger: context.logger) { connection in
                guard try await book.move(id, to: .cancelled, actor: "customer", note: "Cancelled by the customer", cancelReason: "customer",
                                          correlationId: context.correlationId, on: connection, logger: context.logger) != nil else {
                    throw Problem(status: .conflict, type: "order-not-cancellable", title: "This order can no longer be cancelled.")
                }
            }
            guard let cancelled = try await book.detail(id, logger: context.logger) else { throw Problem.notFound("That order") }
            return cancelled
        }
    }

    private func customerId(_ request: Request, _ context: ServiceRequestContext) throws -> UUID {
        guard let id = try context.caller(of: request).requiring([.customer]).customerId else { throw Problem.unauthenticated }
        return id
    }

    /// The caller's own order, with its timeline; anyone else's is 404.
    private func owned(_ request: Request, _ context: ServiceRequestContext) async throws -> Order {
        let customer = try customerId(request, context)
        let id = try context.uuid(what: "That order")
        guard let order = try await book.detail(id, logger: context.logger), order.customerId?.uuid == customer else {
            throw Problem.notFound("That order")
        }
        return order
    }
}
