import EventContracts
import Foundation
import Messaging
import ServiceKit
import ServiceLifecycle

extension ServiceDefinition {
    /// Checkout sessions, checkout pages, idempotency keys, shipping and tax rules.
    static let checkout = ServiceDefinition(
        name: "checkout",
        summary: "Checkout sessions, checkout pages, idempotency keys, shipping and tax rules.",
        defaultPort: 8082,
        publishes: Topic.checkout,
        consumes: [Topic.catalog, Topic.payments, Topic.orders, Topic.platform],
        migrations: CheckoutMigrations.all,
        variables: CheckoutSettings.variables,
        build: { environment in
            let settings = try CheckoutSettings(environment)
            let parts = CheckoutParts(settings: settings, environment: environment)
            let checkouts = CheckoutController(sessions: parts.sessions, replica: parts.replica, offers: parts.offers, idempotency: parts.idempotency,
                                               replicaPatience: settings.replicaPatience, rules: parts.rules)
            return ServiceParts(
                controllers: [checkouts, SalesRulesController(rules: parts.rules), AddressBookController(divisions: .official),
                              PageAdminController(pages: parts.pages, links: PageLinks(publicURL: settings.publicURL, database: environment.database)),
                              PageWidgetController(pages: parts.pages, offers: parts.offers, rules: parts.rules, checkouts: checkouts)],
                handlers: [CartReplication(replica: parts.replica), OfferReplication(offers: parts.offers),
                           CheckoutProgress(sessions: parts.sessions, rules: parts.rules),
                           StoreProvisioning(service: "checkout") { created, context in
                               try await parts.rules.provision(currency: created.settings.currency, on: context.connection, logger: context.logger)
                           }],
                services: [
                    parts.sessions.changes,
                    PeriodicJob("checkout-expiry", every: settings.expirySweepInterval, environment: environment) {
                        let expired = try await parts.sessions.expireOverdue(logger: environment.logger)
                        if expired > 0 { environment.logger.info("checkouts expired", metadata: ["count": "\(expired)"]) }
                    },
                    PeriodicJob("idempotency-keys", every: .seconds(3600), environment: environment) {
                        try await parts.idempotency.purge(logger: environment.logger)
                    },
                    PeriodicJob("page-visitors", every: .seconds(3600), reach: .acrossStores, environment: environment) {
                        try await parts.pages.forgetOldVisitors(logger: environment.logger)
                    },
                ])
        },
        contract: CheckoutContract.contract
    )
}

/// The checkout's parts, built once from its settings.
struct CheckoutParts: Sendable {
    let sessions: CheckoutStore
    let replica: CartReplicaStore
    let offers: OfferStore
    let pages: CheckoutPageStore
    let rules: SalesRulesStore
    let idempotency: IdempotencyKeys

    init(settings: CheckoutSettings, environment: ServiceEnvironment) {
        let changes = ChangeFeed(named: "changed", database: environment.database, logger: environment.logger)
        sessions = CheckoutStore(database: environment.database, outbox: environment.outbox, changes: changes)
        replica = CartReplicaStore(database: environment.database, changes: changes)
        offers = OfferStore(database: environment.database)
        pages = CheckoutPageStore(database: environment.database, offers: offers)
        rules = SalesRulesStore(database: environment.database, deployment: settings.rules)
        idempotency = IdempotencyKeys(database: environment.database, retention: settings.idempotencyKeyRetention)
    }
}
