import EventContracts
import Foundation
import Messaging
import ServiceKit
import ServiceLifecycle

extension ServiceDefinition {
    /// Products, stock and reservations, carts and vouchers.
    static let catalog: ServiceDefinition = ServiceDefinition(
        name: "catalog",
        summary: "Products, stock and reservations, carts and vouchers.",
        defaultPort: 8081,
        publishes: Topic.catalog,
        consumes: [Topic.checkout, Topic.orders, Topic.fulfillment, Topic.platform],
        migrations: CatalogMigrations.all,
        variables: CatalogSettings.variables,
        build: { environment in
            let settings = try CatalogSettings(environment)
            let parts = CatalogParts(settings: settings, environment: environment)
            let changes = ChangeFeed(named: "changed", database: environment.database, logger: environment.logger)
            let window = ShopWindow(feed: changes)
            var services: [any Service] = [
                changes,
                PeriodicJob("reservation-sweeper", every: settings.reservationSweepInterval, environment: environment) {
                    let released = try await parts.reservations.releaseExpired(database: environment.database, logger: environment.logger)
                    if released > 0 { environment.logger.info("expired reservations released", metadata: ["count": "\(released)"]) }
                },
                PeriodicJob("variants-backfill", every: .seconds(60), environment: environment) {
                    let announced = try await parts.products.announceVariants(logger: environment.logger)
                    if announced > 0 { environment.logger.info("products announced with their variants", metadata: ["count": "\(announced)"]) }
                },
                PeriodicJob("abandoned-carts", every: settings.cartScanInterval, environment: environment) {
                    let abandoned = try await parts.carts.markAbandoned(idle: settings.cartIdleLimit, logger: environment.logger)
                    if abandoned > 0 { environment.logger.info("carts abandoned", metadata: ["count": "\(abandoned)"]) }
                },
            ]
            if settings.loadDemoCatalog {
                let demo = DemoCatalog(environment: environment, catalog: parts.products)
                environment.startGate.beforeOpening { await demo.load() }
            }
            return ServiceParts(
                middleware: [window.afterStaffChanges],
                controllers: [
                    ShopWindowController(catalog: parts.products, window: window, maxAge: settings.shopWindowMaxAge),
                    ProductAdminController(catalog: parts.products, rules: parts.rules),
                    StockController(stock: parts.inventory),
                    CartController(carts: parts.carts),
                    CartMergeController(carts: parts.carts),
                    VoucherAdminController(vouchers: parts.vouchers, rules: parts.rules),
                ],
                handlers: [CheckoutStock(reservations: parts.reservations, carts: parts.carts), PosStockCount(inventory: parts.inventory),
                           StoreProvisioning(service: "catalog") { created, context in
                               try await parts.products.provisionCategories(StarterCategories.named(in: created.settings.language),
                                                                            on: context.connection, logger: context.logger)
                           }],
                services: services, reconciliations: parts.inventory.reconciliations)
        },
        contract: CatalogContract.contract
    )
}

/// The catalog's parts, built once from its settings.
struct CatalogParts: Sendable {
    let rules: ProductRules
    let inventory: StockStore
    let products: ProductStore
    let reservations: ReservationStore
    let vouchers: VoucherStore
    let carts: CartStore

    init(settings: CatalogSettings, environment: ServiceEnvironment) {
        rules = ProductRules(currencies: settings.currencies, database: environment.database)
        inventory = StockStore(database: environment.database, outbox: environment.outbox, lowStockThreshold: settings.lowStockThreshold)
        products = ProductStore(database: environment.database, outbox: environment.outbox, inventory: inventory)
        vouchers = VoucherStore(database: environment.database)
        reservations = ReservationStore(inventory: inventory, outbox: environment.outbox, lifetime: settings.reservationLifetime, vouchers: vouchers)
        carts = CartStore(database: environment.database, outbox: environment.outbox, vouchers: vouchers)
    }
}
