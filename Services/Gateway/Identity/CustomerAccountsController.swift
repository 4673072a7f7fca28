import Foundation
import Hummingbird
import ServiceKit

/// Staff read a customer's account and block or unblock it (a blocked customer's tokens stop
/// working within seconds).
struct CustomerAccountsController: Controller {
    static let access = Access.staff
    let customers: CustomerStore
    let standing: AccountStanding

    struct Block: Decodable {
        var reason: String
    }

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.get("/api/admin/customers/{id}") { request, context -> Customer in
            return try await customer(context)
        }
        routes.post("/api/admin/customers/{id}/block") { request, context -> Customer in
            let body = try await request.decodeBody(Block.self, context: context)
            let reason = body.reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...500).contains(reason.count) else {
                throw Problem.validation([.init(field: "reason", message: "must be 1 to 500 characters")])
            }
            let target = try await customer(context)
            try await customers.setBlocked(target.id, reason: reason, logger: context.logger)
            standing.forget(target.id)
            context.logger.notice("customer blocked", metadata: ["customer.id": "\(target.id)", "staff.id": "\(context.staffId?.uuidString.lowercased() ?? "")"])
            return try await customer(context)
        }
        routes.post("/api/admin/customers/{id}/unblock") { request, context -> Customer in
            let target = try await customer(context)
            try await customers.setBlocked(target.id, reason: nil, logger: context.logger)
            standing.forget(target.id)
            context.logger.notice("customer unblocked", metadata: ["customer.id": "\(target.id)", "staff.id": "\(context.staffId?.uuidString.lowercased() ?? "")"])
            return try await customer(context)
        }
        return routes
    }

    private func customer(_ context: ServiceRequestContext) async throws -> Customer {
        let id = try context.uuid(what: "That customer")
        guard let found = try await customers.find(id: id, logger: context.logger), found.storeId == (try context.store) else {
            throw Problem.notFound("That customer")
        }
        return found
    }
}
