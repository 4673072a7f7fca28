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
            let push = try await pushes.pushAgain(try context.uuid(what: "That order's POS push"), logger: context.logger)
            return EditedResponse(status: .accepted, response: push)
        }
        return routes
    }
}
