import EventContracts
import Foundation
import ServiceKit
import ServiceLifecycle

extension ServiceDefinition {
    /// Checkout sessions, idempotency keys, shipping and tax rules.
    static let checkout = ServiceDefinition(
        name: "checkout",
        summary: "Checkout sessions, idempotency keys, shipping and tax rules.",
        defaultPort: 8082,
        publishes: Topic.checkout,
        consumes: [Topic.catalog, Topic.payments, Topic.orders],
        migrations: CheckoutMigrations.all,
        variables: [
            EnvironmentVariable("PAYMENT_WINDOW_SECONDS", default: "900", help: "How long a bank transfer or card checkout waits for its money (15 min)."),
            EnvironmentVariable("SHIPPING_FEE_TIERS", default: "VND=0:30000,500000:0;USD=0:799,10000:0;EUR=0:699,10000:0",
                                help: "Shipping fee by goods value per currency: CUR=from:fee,… in minor units (free from 500,000 ₫)."),
            EnvironmentVariable("TAX_RULES", default: "VN=1000:inclusive",
                                help: "Tax per destination country: CC=basis_points:inclusive|exclusive;… (VAT 10% inside Vietnamese prices)."),
            EnvironmentVariable("CHECKOUT_EXPIRY_SWEEP_SECONDS", default: "5", help: "How often checkouts past their payment window are expired."),
            EnvironmentVariable("CART_REPLICA_WAIT_MS", default: "3000", help: "How long a checkout waits for the cart's latest snapshot before answering 409."),
            EnvironmentVariable("IDEMPOTENCY_KEY_HOURS", default: "24", help: "How long Idempotency-Keys are remembered."),
        ],
        build: { environment in
            let parts = try CheckoutParts(environment: environment)
            return ServiceParts(
                routes: { router in
                    CheckoutRoutes(sessions: parts.sessions, replica: parts.replica, idempotency: parts.idempotency,
                                   replicaPatience: parts.replicaPatience).register(on: router)
                },
                handlers: [CheckoutSaga(sessions: parts.sessions, replica: parts.replica, pricing: parts.pricing, paymentWindow: parts.paymentWindow)],
                services: [
                    parts.sessions.changes,
                    PeriodicJob("checkout-expiry", every: parts.sweepInterval, environment: environment) {
                        let expired = try await parts.sessions.expireOverdue(logger: environment.logger)
                        if expired > 0 { environment.logger.info("checkouts expired", metadata: ["count": "\(expired)"]) }
                    },
                    PeriodicJob("idempotency-keys", every: .seconds(3600), environment: environment) {
                        try await parts.idempotency.purge(logger: environment.logger)
                    },
                ])
        },
        contract: CheckoutContract.contract
    )
}

/// The checkout's parts, built from its configuration.
struct CheckoutParts: Sendable {
    let sessions: CheckoutSessions
    let replica: CartReplica
    let pricing: CheckoutPricing
    let idempotency: IdempotencyKeys
    let paymentWindow: Duration
    let sweepInterval: Duration
    let replicaPatience: Duration

    init(environment: ServiceEnvironment) throws {
        let changes = ChangeFeed(named: "changed", database: environment.database, logger: environment.logger)
        sessions = CheckoutSessions(database: environment.database, outbox: environment.outbox, changes: changes)
        replica = CartReplica(database: environment.database, changes: changes)
        pricing = CheckoutPricing(shipping: try ShippingFeeRule(parsing: environment.value("SHIPPING_FEE_TIERS")),
                                  tax: try TaxRule(parsing: environment.value("TAX_RULES")))
        idempotency = IdempotencyKeys(database: environment.database,
                                      retention: .seconds(3600 * (try environment.integer("IDEMPOTENCY_KEY_HOURS", in: 24...24 * 365))))
        paymentWindow = .seconds(try environment.integer("PAYMENT_WINDOW_SECONDS", in: 1...86_400))
        sweepInterval = .seconds(try environment.integer("CHECKOUT_EXPIRY_SWEEP_SECONDS", in: 1...3600))
        replicaPatience = .milliseconds(try environment.integer("CART_REPLICA_WAIT_MS", in: 0...10_000))
    }
}
