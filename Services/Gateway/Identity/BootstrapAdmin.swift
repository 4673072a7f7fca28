import ServiceKit
import ServiceLifecycle

/// Creates the first admin from configuration once migrations are applied, then idles until
/// shutdown (a service that returned would end the whole group).
struct BootstrapAdmin: Service {
    let environment: ServiceEnvironment
    let staff: StaffAccounts
    let hasher: PasswordHasher
    let email: String
    let password: String

    func run() async throws {
        await environment.startGate.wait()
        guard environment.startGate.isOpen else { return }
        try await staff.ensureBootstrapAdmin(email: email, password: password, hasher: hasher, logger: environment.logger)
        try? await gracefulShutdown()
    }
}
