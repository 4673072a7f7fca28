import Foundation
import ServiceKitTestKit
import Testing

/// Each service reads and checks its settings once, when it builds its parts: a value it
/// cannot use stops it at start with EX_CONFIG and a message naming the variable, before it
/// serves a request or handles an event (never a service that runs without its handlers).
@Suite("Settings: a bad value stops a service at start, naming the variable")
struct SettingsTests {
    static let badValues: [(service: String, variable: String, value: String)] = [
        ("catalog", "SHOP_WINDOW_MAX_AGE_SECONDS", "-1"),
        ("catalog", "LOW_STOCK_THRESHOLD", "lots"),
        ("catalog", "LOAD_DEMO_CATALOG", "yes"),
        ("checkout", "SHIPPING_FEE_TIERS", "free"),
        ("checkout", "CART_REPLICA_WAIT_MS", "99999"),
        ("payments", "BANK_BIN", "12"),
        ("orders", "ORDER_NUMBER_PREFIX", "shop-"),
        ("orders", "SHOP_TIME_ZONE", "Mars/Olympus"),
        ("fulfillment", "SHOP_LANGUAGE", "fr"),
        ("fulfillment", "WEBHOOK_RETRY_SCHEDULE", "soon"),
        ("gateway", "BCRYPT_COST", "99"),
    ]

    @Test("every service given a value it cannot use exits 78 with a message naming the variable")
    func badSettingStopsTheStart() async throws {
        for (service, variable, value) in Self.badValues {
            let environment = [
                "PATH": "/usr/bin:/bin", "LOCAL_DEVELOPMENT": "true",
                // Nothing listens there: a service that got past its settings would wait for it, not exit 78.
                "DATABASE_URL": "postgres://\(service):x@127.0.0.1:1/commerce", "KAFKA_BROKERS": "127.0.0.1:1",
                variable: value,
            ]
            let (status, output) = try await SuiteProcesses.exec(SuiteProcesses.binDirectory.appendingPathComponent(service), arguments: [],
                                                                 environment: environment, mergingErrors: true)
            #expect(status == 78, "\(service) with \(variable)=\(value) exits with EX_CONFIG: \(output)")
            #expect(output.contains(variable), "\(service) names \(variable): \(output)")
        }
    }
}
