import Foundation
import Hummingbird
import ServiceKit

/// Staff's view of the POS sync: every order's push (pending, pushed with the POS's order
/// id, dead after its last attempt, or cancelled), and a manual push again.
struct PosPushesController: Controller {
    static let access = Access.staff
    let pushes: PosPushStore

    static let statuses = ["pending", "pushed", "dead", "cancelled", "withdrawing", "withdrawn", "withdraw_dead"]

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.get("/admin/pos/pushes") { request, context -> Page<PosPushStore.Push> in
            let status = try request.queryChoice("status", Self.statuses)
            return try await pushes.list(status: status, page: try PageRequest(request), logger: context.logger)
        }
        routes.get("/admin/pos/pushes/{id}") { request, context -> PosPushStore.Push in
            guard let push = try await pushes.find(try context.uuid(what: "That order's POS push"), logger: context.logger) else {
                throw Problem.notFound("That order's POS push")
            }
            return push
        }
        routes.post("/admin/pos/pushes/{id}/retry") { request, context -> EditedResponse<PosPushStore.Push> in
            let id = try context.uuid(what: "That order's POS push")
            guard let current = try await pushes.find(id, logger: context.logger) else { throw Problem.notFound("That order's POS push") }
            guard try await pushes.retry(id, logger: context.logger), let push = try await pushes.find(id, logger: context.logger) else {
                throw Problem(status: .conflict, type: "illegal-transition", title: "This push cannot be retried.",
                              detail: "It is \(current.status); only dead or waiting pushes, and failed withdrawals, are tried again.")
            }
            return EditedResponse(status: .accepted, response: push)
        }
        return routes
    }
}
