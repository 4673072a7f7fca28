import ServiceKit

/// Creates the first admin from configuration when the shop has none: start-up work the
/// gateway finishes before it reports ready, so the admin can sign in as soon as it is.
struct BootstrapAdmin: Sendable {
    let environment: ServiceEnvironment
    let staff: StaffAccounts
    let hasher: PasswordHasher
    let email: String
    let password: String

    func create() async throws {
        try await staff.ensureBootstrapAdmin(email: email, password: password, hasher: hasher, logger: environment.logger)
    }
}
