import EventContracts
import ServiceKit

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
        ],
        setUp: { router, environment in
            let parts = try FulfillmentParts(environment: environment)
            ShipmentRoutes(book: parts.shipments).register(on: router)
            WebhookRoutes(book: parts.webhooks, destinations: parts.destinations).register(on: router)
            return [parts.webhooks.changes, WebhookDispatcher(book: parts.webhooks, destinations: parts.destinations, environment: environment)]
        },
        handlers: { environment in
            guard let parts = try? FulfillmentParts(environment: environment) else { return [] }
            return [ShipmentSaga(book: parts.shipments), WebhookFanout(book: parts.webhooks)]
        },
        contract: FulfillmentContract.contract
    )
}

/// The fulfilment service's parts, built from its configuration.
struct FulfillmentParts: Sendable {
    let shipments: ShipmentBook
    let webhooks: WebhookBook
    let destinations: DestinationGuard

    init(environment: ServiceEnvironment) throws {
        shipments = ShipmentBook(database: environment.database, outbox: environment.outbox)
        let schedule = environment.value("WEBHOOK_RETRY_SCHEDULE").split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !schedule.isEmpty, schedule.count <= 20, schedule.allSatisfy({ ($0 ?? -1) >= 0 && ($0 ?? 0) <= 7 * 86_400 }) else {
            throw ConfigurationError(variable: "WEBHOOK_RETRY_SCHEDULE", reason: "expected 1 to 20 comma-separated seconds, each at most a week")
        }
        webhooks = WebhookBook(database: environment.database,
                               changes: ChangeFeed(named: "changed", database: environment.database, logger: environment.logger),
                               retrySchedule: schedule.compactMap { $0 })
        guard let allow = Bool(environment.value("WEBHOOK_ALLOW_PRIVATE_URLS")) else {
            throw ConfigurationError(variable: "WEBHOOK_ALLOW_PRIVATE_URLS", reason: "expected true or false")
        }
        destinations = DestinationGuard(allowPrivate: allow)
    }
}
