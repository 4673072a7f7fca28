import Hummingbird
import ServiceKit

/// The public listener payment providers post to. It shares the service's database, outbox
/// and error model; provider routes are added by the payment issues.
enum WebhookListener {
    static func build(environment: ServiceEnvironment) throws -> some ApplicationProtocol {
        let port = try environment.integer("WEBHOOK_PORT", in: 0...65535)
        let router = Router(context: ServiceRequestContext.self)
        router.add(middleware: CorrelationMiddleware())
        router.add(middleware: ProblemMiddleware())
        HealthRoutes(checks: [
            ("migrations", { environment.startGate.isOpen }),
            ("database", { await environment.database.isReachable(logger: environment.logger) }),
        ]).register(on: router)
        let logger = environment.logger
        return Application(
            router: router,
            configuration: .init(address: .hostname(environment.value("WEBHOOK_HOST"), port: port), serverName: "payments-webhooks"),
            onServerRunning: { channel in
                logger.info("webhook listener ready", metadata: ["http.address": "\(channel.localAddress?.description ?? "?")"])
            },
            logger: logger)
    }
}
