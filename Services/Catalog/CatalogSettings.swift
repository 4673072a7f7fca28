import Foundation
import Persistence
import ServiceKit

/// The catalog's settings, declared for `--help` and read and checked once at start: a value
/// it cannot use stops the start with a message naming the variable.
struct CatalogSettings: Sendable {
    static let variables = [
        EnvironmentVariable("SHOP_CURRENCIES", default: "VND,USD,EUR", help: "Currencies prices may be set in (ISO 4217, comma-separated)."),
        EnvironmentVariable("LOW_STOCK_THRESHOLD", default: "5", help: "Available units at or below which a stock-low event is published."),
        EnvironmentVariable("RESERVATION_TTL_SECONDS", default: "1200",
                            help: "How long a checkout's reservation holds without payment (a little longer than the payment window)."),
        EnvironmentVariable("RESERVATION_SWEEP_SECONDS", default: "30", help: "How often expired reservations are released."),
        EnvironmentVariable("CART_ABANDON_AFTER_SECONDS", default: "172800", help: "Idle time after which a cart with goods counts as abandoned (48 h)."),
        EnvironmentVariable("CART_SCAN_SECONDS", default: "300", help: "How often idle carts are looked for."),
        EnvironmentVariable("SHOP_WINDOW_MAX_AGE_SECONDS", default: "5",
                            help: "How long browsers and CDNs may show a product listing, product page or the categories before asking again."),
        EnvironmentVariable("LOAD_DEMO_CATALOG", default: "false", help: "Load the demo catalog on start when the catalog is empty."),
    ]

    /// Currencies prices may be set in.
    var currencies: Set<String>
    var lowStockThreshold: Int
    var reservationLifetime: Duration
    var reservationSweepInterval: Duration
    var cartIdleLimit: Duration
    var cartScanInterval: Duration
    /// Seconds a client or CDN may keep a shop window answer.
    var shopWindowMaxAge: Int
    var loadDemoCatalog: Bool

    init(_ environment: ServiceEnvironment) throws {
        currencies = Set(environment.value("SHOP_CURRENCIES").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        guard !currencies.isEmpty, currencies.allSatisfy({ $0.count == 3 && $0.allSatisfy(\.isUppercase) }) else {
            throw ConfigurationError(variable: "SHOP_CURRENCIES", reason: "expected ISO 4217 codes such as VND,USD")
        }
        lowStockThreshold = try environment.integer("LOW_STOCK_THRESHOLD", in: 0...Int.max)
        reservationLifetime = .seconds(try environment.integer("RESERVATION_TTL_SECONDS", in: 1...Int.max))
        reservationSweepInterval = .seconds(try environment.integer("RESERVATION_SWEEP_SECONDS", in: 1...Int.max))
        cartIdleLimit = .seconds(try environment.integer("CART_ABANDON_AFTER_SECONDS", in: 1...Int.max))
        cartScanInterval = .seconds(try environment.integer("CART_SCAN_SECONDS", in: 1...Int.max))
        shopWindowMaxAge = try environment.integer("SHOP_WINDOW_MAX_AGE_SECONDS", in: 0...86_400)
        loadDemoCatalog = try environment.boolean("LOAD_DEMO_CATALOG")
    }
}
