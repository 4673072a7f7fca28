import Foundation
import Hummingbird
import ServiceKit

/// A signed-in buyer's downloads for one of their orders (anyone else's order is 404).
struct MyDownloadsController: Controller {
    static let access = Access.customer
    let grants: DownloadGrantStore

    var endpoints: RouteCollection<ServiceRequestContext> {
        RouteCollection(context: ServiceRequestContext.self).get("/orders/{id}/downloads") { _, context -> DownloadController.Downloads in
            guard let downloads = try await grants.downloads(order: try context.uuid(what: "That order"), customer: try context.customerId,
                                                             logger: context.logger)
            else { throw Problem.notFound("That order") }
            return DownloadController.Downloads(orderNumber: nil, downloads: downloads)
        }
    }
}
