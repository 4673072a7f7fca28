import EventContracts
import Foundation
import ServiceKit
import ServiceLifecycle

extension ServiceDefinition {
    /// Products, stock and reservations, carts and vouchers.
    static let catalog: ServiceDefinition = ServiceDefinition(
        name: "catalog",
        summary: "Products, stock and reservations, carts and vouchers.",
        defaultPort: 8081,
        publishes: Topic.catalog,
        consumes: [Topic.checkout, Topic.orders, Topic.fulfillment],
        migrations: CatalogMigrations.all,
        variables: [
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
        ],
        build: { environment in
            let parts = try CatalogParts(environment: environment)
            let changes = ChangeFeed(named: "changed", database: environment.database, logger: environment.logger)
            let window = ShopWindow(feed: changes)
            let shopWindow = ProductRoutes(catalog: parts.products, window: window,
                                           maxAge: try environment.integer("SHOP_WINDOW_MAX_AGE_SECONDS", in: 0...86_400))
            var services: [any Service] = [
                changes,
                PeriodicJob("reservation-sweeper", every: parts.sweepInterval, environment: environment) {
                    let released = try await parts.reservations.releaseExpired(database: environment.database, logger: environment.logger)
                    if released > 0 { environment.logger.info("expired reservations released", metadata: ["count": "\(released)"]) }
                },
                PeriodicJob("abandoned-carts", every: parts.cartScanInterval, environment: environment) {
                    let abandoned = try await parts.carts.markAbandoned(idle: parts.cartIdleLimit, logger: environment.logger)
                    if abandoned > 0 { environment.logger.info("carts abandoned", metadata: ["count": "\(abandoned)"]) }
                },
            ]
            if environment.value("LOAD_DEMO_CATALOG") == "true" {
                let demo = DemoCatalog(environment: environment, catalog: parts.products)
                environment.startGate.beforeOpening { await demo.load() }
            }
            return ServiceParts(
                routes: { router in
                    router.add(middleware: window.afterStaffChanges)
                    shopWindow.register(on: router)
                    ProductAdminRoutes(catalog: parts.products, rules: parts.rules).register(on: router)
                    StockRoutes(database: environment.database, inventory: parts.inventory).register(on: router)
                    CartRoutes(carts: parts.carts).register(on: router)
                    VoucherAdminRoutes(vouchers: parts.vouchers, rules: parts.rules).register(on: router)
                },
                handlers: [ReservationHandler(reservations: parts.reservations, carts: parts.carts), PosStockCount(inventory: parts.inventory)],
                services: services)
        },
        contract: CatalogContract.contract
    )
}

/// The catalog's parts, built from its configuration.
struct CatalogParts: Sendable {
    let rules: ProductRules
    let inventory: Inventory
    let products: ProductCatalog
    let reservations: Reservations
    let vouchers: Vouchers
    let sweepInterval: Duration
    let carts: Carts
    let cartIdleLimit: Duration
    let cartScanInterval: Duration

    init(environment: ServiceEnvironment) throws {
        let currencies = Set(environment.value("SHOP_CURRENCIES").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        guard !currencies.isEmpty, currencies.allSatisfy({ $0.count == 3 && $0.allSatisfy(\.isUppercase) }) else {
            throw ConfigurationError(variable: "SHOP_CURRENCIES", reason: "expected ISO 4217 codes such as VND,USD")
        }
        let threshold = try environment.integer("LOW_STOCK_THRESHOLD", in: 0...Int.max)
        let ttl = try environment.integer("RESERVATION_TTL_SECONDS", in: 1...Int.max)
        let sweep = try environment.integer("RESERVATION_SWEEP_SECONDS", in: 1...Int.max)
        rules = ProductRules(currencies: currencies)
        inventory = Inventory(outbox: environment.outbox, lowStockThreshold: threshold)
        products = ProductCatalog(database: environment.database, outbox: environment.outbox, inventory: inventory)
        vouchers = Vouchers(database: environment.database)
        reservations = Reservations(inventory: inventory, outbox: environment.outbox, lifetime: .seconds(ttl), vouchers: vouchers)
        sweepInterval = .seconds(sweep)
        let idle = try environment.integer("CART_ABANDON_AFTER_SECONDS", in: 1...Int.max)
        let scan = try environment.integer("CART_SCAN_SECONDS", in: 1...Int.max)
        carts = Carts(database: environment.database, outbox: environment.outbox, vouchers: vouchers)
        cartIdleLimit = .seconds(idle)
        cartScanInterval = .seconds(scan)
    }
}
