import AsyncHTTPClient
import Foundation
import EventContracts
import ServiceKit
import ServiceLifecycle

extension ServiceDefinition {
    /// Shipments, POS sync, digital downloads and customer notifications.
    static let fulfillment = ServiceDefinition(
        name: "fulfillment",
        summary: "Shipments, POS sync, digital downloads and customer notifications.",
        defaultPort: 8085,
        publishes: Topic.fulfillment,
        consumes: [Topic.orders, Topic.payments, Topic.identity, Topic.catalog, Topic.fulfillment],
        migrations: FulfillmentMigrations.all,
        variables: [
            EnvironmentVariable("WEBHOOK_RETRY_SCHEDULE", default: "5,300,1800,7200,18000,36000",
                                help: "Seconds before each retry of a failed merchant webhook (then it has failed)."),
            EnvironmentVariable("WEBHOOK_ALLOW_PRIVATE_URLS", default: "false",
                                help: "Let merchant webhooks go to loopback, private and link-local addresses (tests, one-machine set-ups)."),
            EnvironmentVariable("WEBHOOK_PORT", default: "8092", help: "Port of the listener the POS posts its webhooks to."),
            EnvironmentVariable("WEBHOOK_HOST", default: "127.0.0.1", help: "Address of the POS webhook listener."),
            EnvironmentVariable("POS_BASE_URL", default: "", help: "The POS API (Pancake-style, e.g. https://pos.pages.fm/api/v1); empty turns POS sync off."),
            EnvironmentVariable("POS_API_KEY", default: "", help: "The POS API key.", isSecret: true),
            EnvironmentVariable("POS_SHOP_ID", default: "", help: "The shop's id at the POS."),
            EnvironmentVariable("POS_WEBHOOK_SECRET", default: "", help: "Shared secret the POS signs its webhooks with.", isSecret: true),
            EnvironmentVariable("POS_PUSH_MAX_ATTEMPTS", default: "8", help: "Attempts to push an order before it is dead (admin can push again)."),
            EnvironmentVariable("POS_PUSH_BASE_DELAY_MS", default: "2000", help: "First wait after a failed push; doubles each time, with jitter."),
            EnvironmentVariable("POS_PUSH_MAX_DELAY_MS", default: "600000", help: "Longest wait between pushes of one order."),
            EnvironmentVariable("POS_TIMEOUT_MS", default: "10000", help: "Deadline of one call to the POS, connecting included."),
            EnvironmentVariable("POS_INVENTORY_PULL_SECONDS", default: "300", help: "How often stock counts are read from the POS."),
        ],
        setUp: { router, environment in
            let parts = try FulfillmentParts(environment: environment)
            ShipmentRoutes(book: parts.shipments).register(on: router)
            WebhookRoutes(book: parts.webhooks, destinations: parts.destinations).register(on: router)
            PosRoutes(pushes: parts.pushes).register(on: router)
            var services: [any Service] = [
                parts.changes,
                WebhookDispatcher(book: parts.webhooks, destinations: parts.destinations, environment: environment).work,
                try WebhookListener.build(environment: environment, serverName: "fulfillment-webhooks") { webhooks in
                    PosWebhook(shipments: parts.shipments, secret: environment.value("POS_WEBHOOK_SECRET")).register(on: webhooks)
                },
            ]
            if let client = parts.pos {
                let pull = InventoryPull(client: client, database: environment.database, outbox: environment.outbox)
                services.append(PosPusher(pushes: parts.pushes, client: client, environment: environment).work)
                services.append(PeriodicJob("pos-inventory-pull", every: parts.inventoryPullInterval, environment: environment) {
                    try await pull.run(logger: environment.logger)
                })
            }
            return services
        },
        handlers: { environment in
            guard let parts = try? FulfillmentParts(environment: environment) else { return [] }
            var handlers: [any EventHandler] = [ShipmentSaga(book: parts.shipments), WebhookFanout(book: parts.webhooks)]
            if parts.pos != nil { handlers.append(PosSync(pushes: parts.pushes)) }
            return handlers
        },
        contract: FulfillmentContract.contract
    )
}

/// The fulfilment service's parts, built from its configuration.
struct FulfillmentParts: Sendable {
    let changes: ChangeFeed
    let shipments: ShipmentBook
    let webhooks: WebhookBook
    let destinations: DestinationGuard
    let pushes: PosPushes
    /// The POS, when `POS_BASE_URL` is set.
    let pos: PosClient?
    let inventoryPullInterval: Duration

    init(environment: ServiceEnvironment) throws {
        changes = ChangeFeed(named: "changed", database: environment.database, logger: environment.logger)
        shipments = ShipmentBook(database: environment.database, outbox: environment.outbox)
        let schedule = environment.value("WEBHOOK_RETRY_SCHEDULE").split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !schedule.isEmpty, schedule.count <= 20, schedule.allSatisfy({ ($0 ?? -1) >= 0 && ($0 ?? 0) <= 7 * 86_400 }) else {
            throw ConfigurationError(variable: "WEBHOOK_RETRY_SCHEDULE", reason: "expected 1 to 20 comma-separated seconds, each at most a week")
        }
        webhooks = WebhookBook(database: environment.database, changes: changes, retrySchedule: schedule.compactMap { $0 })
        guard let allow = Bool(environment.value("WEBHOOK_ALLOW_PRIVATE_URLS")) else {
            throw ConfigurationError(variable: "WEBHOOK_ALLOW_PRIVATE_URLS", reason: "expected true or false")
        }
        destinations = DestinationGuard(allowPrivate: allow)
        pushes = PosPushes(database: environment.database,
                           maxAttempts: try environment.integer("POS_PUSH_MAX_ATTEMPTS", in: 1...100),
                           baseDelay: .milliseconds(try environment.integer("POS_PUSH_BASE_DELAY_MS", in: 10...3_600_000)),
                           maxDelay: .milliseconds(try environment.integer("POS_PUSH_MAX_DELAY_MS", in: 10...86_400_000)),
                           changes: changes)
        inventoryPullInterval = .seconds(try environment.integer("POS_INVENTORY_PULL_SECONDS", in: 1...86_400))
        let base = environment.value("POS_BASE_URL")
        if base.isEmpty {
            pos = nil
        } else {
            guard let url = URL(string: base), ["http", "https"].contains(url.scheme ?? "") else {
                throw ConfigurationError(variable: "POS_BASE_URL", reason: "expected an http or https URL")
            }
            pos = PosClient(baseURL: base.hasSuffix("/") ? String(base.dropLast()) : base, apiKey: environment.value("POS_API_KEY"),
                            shopId: environment.value("POS_SHOP_ID"), client: HTTPClient.shared,
                            timeout: .milliseconds(try environment.integer("POS_TIMEOUT_MS", in: 100...120_000)))
        }
    }
}
