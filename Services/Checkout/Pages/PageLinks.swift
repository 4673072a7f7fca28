import EventContracts
import Persistence
import ServiceKit

/// Where buyers reach a store's pages: `<PUBLIC_URL>/api/checkout/widget/<store>/<page>/pay`,
/// the store named by its slug (by its id for the deployment's original store, whose slug the
/// services do not keep).
struct PageLinks: Sendable {
    let publicURL: String
    let database: Database
    var stores = ServedStores()

    /// The page with the code that shares and embeds it.
    func embedding(_ page: CheckoutPage, context: ServiceRequestContext) async throws -> CheckoutPage {
        let store = try context.store
        let name = try await stores.settings(of: store, database: database, logger: context.logger)?.slug ?? store.description
        var page = page
        page.embed = EmbedCode(link: "\(publicURL)/api/checkout/widget/\(name)/\(page.slug)/pay", title: page.title)
        return page
    }
}
