import EventContracts
import Foundation
import Persistence
import ServiceKit

/// The checkout's settings, declared for `--help` and read and checked once at start: a value
/// it cannot use stops the start with a message naming the variable.
struct CheckoutSettings: Sendable {
    static let variables = [
        EnvironmentVariable("PAYMENT_WINDOW_SECONDS", default: "900", help: "How long a bank transfer or card checkout waits for its money (15 min): the original store's until its admins set their own, and a new store's to start with."),
        EnvironmentVariable("PAYMENT_METHODS", default: "cod,bank_transfer,card",
                            help: "The payment methods offered, comma-separated: the original store's until its admins set their own, and a new store's to start with."),
        EnvironmentVariable("SHIPPING_FEE_TIERS", default: "VND=0:30000,500000:0;USD=0:799,10000:0;EUR=0:699,10000:0",
                            help: "Shipping fee by goods value per currency: CUR=from:fee,… in minor units (free from 500,000 ₫); the original store's until its admins set their own, and a new store's to start with."),
        EnvironmentVariable("TAX_RULES", default: "VN=1000:inclusive",
                            help: "Tax per destination country: CC=basis_points:inclusive|exclusive;… (VAT 10% inside Vietnamese prices); the original store's until its admins set their own, and a new store's to start with."),
        EnvironmentVariable("CHECKOUT_EXPIRY_SWEEP_SECONDS", default: "5", help: "How often checkouts past their payment window are expired."),
        EnvironmentVariable("CART_REPLICA_WAIT_MS", default: "3000", help: "How long a checkout waits for the cart's latest snapshot before answering 409."),
        EnvironmentVariable("IDEMPOTENCY_KEY_HOURS", default: "24", help: "How long Idempotency-Keys are remembered."),
        EnvironmentVariable("PUBLIC_URL", default: "http://localhost:8080",
                            help: "The gateway's public address, as buyers reach it: checkout pages' links and embed code point there."),
    ]

    /// The original store's sales rules, and what a new store starts from.
    var rules: SalesRules
    var expirySweepInterval: Duration
    /// How long a checkout waits for the cart's latest snapshot.
    var replicaPatience: Duration
    var idempotencyKeyRetention: Duration
    /// The gateway's public address, without a trailing slash.
    var publicURL: String

    init(_ environment: ServiceEnvironment) throws {
        let methods = environment.value("PAYMENT_METHODS").split(separator: ",").map { PaymentMethod(rawValue: $0.trimmingCharacters(in: .whitespaces)) }
        guard !methods.isEmpty, !methods.contains(nil) else {
            throw ConfigurationError(variable: "PAYMENT_METHODS", reason: "expected one or more of \(PaymentMethod.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        rules = SalesRules(paymentMethods: Set(methods.compactMap { $0 }), shipping: try ShippingFeeRule(parsing: environment.value("SHIPPING_FEE_TIERS")),
                           tax: try TaxRule(parsing: environment.value("TAX_RULES")),
                           paymentWindow: .seconds(try environment.integer("PAYMENT_WINDOW_SECONDS", in: 1...86_400)))
        expirySweepInterval = .seconds(try environment.integer("CHECKOUT_EXPIRY_SWEEP_SECONDS", in: 1...3600))
        replicaPatience = .milliseconds(try environment.integer("CART_REPLICA_WAIT_MS", in: 0...10_000))
        idempotencyKeyRetention = .seconds(3600 * (try environment.integer("IDEMPOTENCY_KEY_HOURS", in: 24...24 * 365)))
        publicURL = try environment.httpURL("PUBLIC_URL")
    }
}
