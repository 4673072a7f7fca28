import AsyncHTTPClient
import EventContracts
import Foundation
import Messaging
import ServiceKit
import ServiceLifecycle

extension ServiceDefinition {
    /// Shipments, POS sync, digital downloads and customer notifications.
    static let fulfillment = ServiceDefinition(
        name: "fulfillment",
        summary: "Shipments, POS sync, digital downloads and customer notifications.",
        defaultPort: 8085,
        publishes: Topic.fulfillment,
        consumes: [Topic.orders, Topic.payments, Topic.identity, Topic.catalog, Topic.platform],
        migrations: FulfillmentMigrations.all,
        variables: FulfillmentSettings.variables,
        build: { environment in
            let settings = try FulfillmentSettings(environment)
            let parts = FulfillmentParts(settings: settings, environment: environment)
            var services: [any Service] = [
                parts.changes,
                WebhookDispatcher(webhooks: parts.webhooks, destinations: parts.destinations, environment: environment).work,
                try WebhookListener.build(environment: environment, serverName: "fulfillment-webhooks") { webhooks in
                    PosWebhook(shipments: parts.shipments, pushes: parts.pushes, accounts: parts.posAccounts).register(on: webhooks)
                },
            ]
            if let smtp = parts.smtp {
                services.append(EmailSender(emails: parts.emails, smtp: smtp, from: settings.sender, environment: environment).work)
            }
            var handlers: [any EventHandler] = [ShipmentPlanning(shipments: parts.shipments), OrderDownloads(grants: parts.downloads),
                                                WebhookFanout(webhooks: parts.webhooks), parts.notifications,
                                                StoreProvisioning(service: "fulfillment")]
            if let provider = settings.posProvider {
                let pull = InventoryPull(provider: provider, accounts: parts.posAccounts, database: environment.database, outbox: environment.outbox,
                                         counts: PosStockCountStore())
                services.append(PosPusher(pushes: parts.pushes, provider: provider, accounts: parts.posAccounts, environment: environment).work)
                services.append(PeriodicJob("pos-inventory-pull", every: settings.posInventoryPullInterval, reach: .eachStore,
                                            environment: environment) {
                    try await pull.run(logger: environment.logger)
                })
                handlers.append(PosSync(pushes: parts.pushes, accounts: parts.posAccounts))
            }
            let downloads = DirectoryDownloadStore(path: settings.downloadsDirectory)
            return ServiceParts(
                controllers: [
                    MyShipmentsController(shipments: parts.shipments),
                    ShippingDeskController(shipments: parts.shipments),
                    WebhookEndpointsController(webhooks: parts.webhooks, destinations: parts.destinations),
                    PosPushesController(pushes: parts.pushes),
                    PosAccountController(accounts: parts.posAccounts, providerConfigured: settings.posProvider != nil),
                    EmailLogController(emails: parts.emails),
                    UnsubscribeController(optOuts: parts.optOuts),
                    EmailPreferencesController(optOuts: parts.optOuts),
                    MyDownloadsController(grants: parts.downloads),
                    DownloadController(grants: parts.downloads, store: downloads),
                ],
                handlers: handlers,
                services: services)
        },
        contract: FulfillmentContract.contract
    )
}

/// The fulfilment service's parts, built once from its settings.
struct FulfillmentParts: Sendable {
    let changes: ChangeFeed
    let shipments: ShipmentStore
    let webhooks: WebhookStore
    let destinations: DestinationGuard
    let pushes: PosPushStore
    /// Each store's account at the POS provider.
    let posAccounts: PosAccountStore
    let emails: EmailStore
    let notifications: CustomerNotifications
    let downloads: DownloadGrantStore
    let optOuts: OptOutStore
    /// The SMTP server, when `SMTP_HOST` is set.
    let smtp: SMTPClient?

    init(settings: FulfillmentSettings, environment: ServiceEnvironment) {
        changes = ChangeFeed(named: "changed", database: environment.database, logger: environment.logger)
        shipments = ShipmentStore(database: environment.database, outbox: environment.outbox)
        webhooks = WebhookStore(database: environment.database, changes: changes, retrySchedule: settings.webhookRetrySchedule)
        destinations = DestinationGuard(allowPrivate: settings.webhookAllowPrivateURLs)
        pushes = PosPushStore(database: environment.database, backoff: settings.posPushBackoff, changes: changes)
        emails = EmailStore(database: environment.database, changes: changes, backoff: settings.emailBackoff)
        downloads = DownloadGrantStore(database: environment.database, signer: settings.linkSigner, lifetime: settings.downloadLinkLifetime,
                                   linkBase: settings.downloadLinkBaseURL)
        optOuts = OptOutStore(database: environment.database, signer: settings.linkSigner, apiURL: settings.unsubscribeURL,
                                  storefrontURL: settings.storefrontURL)
        notifications = CustomerNotifications(
            emails: emails, templates: settings.emailTemplates, locale: settings.emailLocale, shopName: settings.shopName,
            storefrontURL: settings.storefrontURL, downloads: downloads, optOuts: optOuts, shipments: shipments, stores: ServedStores())
        smtp = settings.smtp.map(SMTPClient.init(settings:))
        posAccounts = PosAccountStore(database: environment.database, deployment: settings.originalPosAccount, seal: settings.credentialSeal)
    }
}
