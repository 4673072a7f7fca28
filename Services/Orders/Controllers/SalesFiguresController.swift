import EventContracts
import Foundation
import Hummingbird
import Money
import Persistence
import ServiceKit

/// A store's sales figures for its staff (`/admin/figures`), and every store's with the
/// deployment's totals for platform operators (`/platform/figures`), over the last `days`
/// (1 to 366, 30 unless asked).
struct SalesFiguresController: Controller {
    static let access = Access.staff
    let orders: OrderStore

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.get("/admin/figures") { request, context -> SalesFigures in
            let days = try Self.days(request)
            let store = try context.store
            return try await orders.figures(since: Self.since(days), logger: context.logger).first
                ?? SalesFigures(store: store, rows: [])
        }
        return routes
    }

    static func days(_ request: Request) throws -> Int {
        try request.queryInteger("days", in: 1...366) ?? 30
    }

    static func since(_ days: Int) -> Date { Date().addingTimeInterval(-Double(days) * 86_400) }
}

/// Every store's sales and the deployment's totals, for platform operators.
struct PlatformFiguresController: Controller {
    static let access = Access.platform
    let orders: OrderStore

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.get("/platform/figures") { request, context -> PlatformFigures in
            let days = try SalesFiguresController.days(request)
            let since = SalesFiguresController.since(days)
            let stores = try await StoreScope.acrossStores { try await orders.figures(since: since, logger: context.logger) }
            var totals: [String: Int64] = [:]
            for figures in stores { for money in figures.revenue { totals[money.currency.code, default: 0] += money.minorUnits } }
            let revenue = try totals.sorted { $0.key < $1.key }.map { Money(minorUnits: $0.value, currency: try Currency(stored: $0.key)) }
            return PlatformFigures(since: since, days: days, stores: stores, orders: stores.reduce(0) { $0 + $1.orders }, revenue: revenue)
        }
        return routes
    }
}
