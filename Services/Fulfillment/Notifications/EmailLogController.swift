import Foundation
import Hummingbird
import ServiceKit

/// Staff's view of customer emails (who, what, how it went; never the body) and a manual
/// send-again for a dead one.
struct EmailLogController: Controller {
    static let access = Access.staff
    let emails: EmailStore

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.get("/admin/emails") { request, context -> Page<EmailStore.Record> in
            let status = try request.queryChoice("status", EmailStore.statuses)
            var order: UUID?
            if let text = try request.queryText("order_id", maxLength: 40) {
                guard let id = UUID(uuidString: text) else { throw Problem.validation([.init(field: "order_id", message: "must be a UUID")]) }
                order = id
            }
            return try await emails.list(status: status, order: order, page: try PageRequest(request), logger: context.logger)
        }
        routes.post("/admin/emails/{id}/resend") { request, context -> EditedResponse<EmailStore.Record> in
            let email = try await emails.sendAgain(try context.uuid(what: "That email"), logger: context.logger)
            return EditedResponse(status: .accepted, response: email)
        }
        return routes
    }
}
