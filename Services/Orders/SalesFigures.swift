import EventContracts
import Foundation
import Hummingbird
import Money

/// A store's sales over the last days: orders placed, of them cancelled, and what they took,
/// per currency (totals less refunds, cancelled orders left out), with the average order.
struct SalesFigures: ResponseEncodable, Sendable, Equatable {
    var storeId: String
    var orders: Int
    var cancelled: Int
    /// Money taken: placed orders' totals less refunds, cancelled orders left out.
    var revenue: [Money]
    /// Revenue per order that was not cancelled, rounded down, per currency.
    var averageOrder: [Money]
}

/// The figures of every store with orders in the window, and the deployment's totals: for
/// platform operators.
struct PlatformFigures: ResponseEncodable, Sendable {
    var since: Date
    var days: Int
    var stores: [SalesFigures]
    var orders: Int
    var revenue: [Money]
}

extension SalesFigures {
    /// One store's figures from its rows per currency: (currency, orders, cancelled, revenue).
    init(store: StoreID, rows: [(currency: String, orders: Int, cancelled: Int, revenue: Int64)]) throws {
        storeId = store.description
        orders = rows.reduce(0) { $0 + $1.orders }
        cancelled = rows.reduce(0) { $0 + $1.cancelled }
        revenue = []
        averageOrder = []
        for row in rows.sorted(by: { $0.currency < $1.currency }) {
            let currency = try Currency(stored: row.currency)
            revenue.append(Money(minorUnits: row.revenue, currency: currency))
            let kept = row.orders - row.cancelled
            averageOrder.append(Money(minorUnits: kept > 0 ? row.revenue / Int64(kept) : 0, currency: currency))
        }
    }
}
