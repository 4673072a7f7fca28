import Hummingbird

/// A second, public listener for parties that call a service directly (payment providers, a
/// POS) on a port of its own (`WEBHOOK_PORT`), exposed to the internet while the internal API
/// is not. It shares the service's database, outbox and error model; nothing else of the
/// service is reachable on it.
public enum WebhookListener {
    public static func build(environment: ServiceEnvironment, serverName: String,
                             routes: (Router<ServiceRequestContext>) -> Void) throws -> some ApplicationProtocol {
        let port = try environment.integer("WEBHOOK_PORT", in: 0...65535)
        let router = Router(context: ServiceRequestContext.self)
        router.add(middleware: CorrelationMiddleware())
        router.add(middleware: ProblemMiddleware())
        HealthRoutes(checks: [
            ("migrations", { @Sendable in environment.startGate.isOpen }),
            ("database", { @Sendable in await environment.database.isReachable(logger: environment.logger) }),
        ]).register(on: router)
        routes(router)
        let logger = environment.logger
        return Application(
            router: router,
            configuration: .init(address: .hostname(environment.value("WEBHOOK_HOST"), port: port), serverName: serverName),
            onServerRunning: { channel in
                logger.info("webhook listener ready", metadata: ["http.address": "\(channel.localAddress?.description ?? "?")"])
            },
            logger: logger)
    }
}
