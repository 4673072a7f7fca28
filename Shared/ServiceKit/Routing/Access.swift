/// Who may call a controller's routes, as the gateway establishes it. The kit mounts each
/// controller behind the role check of its access, and the OpenAPI document shows it as
/// `x-access` on each operation.
public enum Access: String, Sendable {
    /// Anyone; a bearer token is optional and, when sent, must be valid.
    case everyone
    /// A signed-in customer.
    case customer
    /// Staff or admin.
    case staff
    /// Admin only.
    case admin
    /// A platform operator (an admin with `platform_admin`): stores and platform-wide figures.
    case platform

    /// The roles let in; nil for everyone (no check at all).
    public var roles: Set<CallerIdentity.Role>? {
        switch self {
        case .everyone: nil
        case .customer: [.customer]
        case .staff: [.staff, .admin]
        case .admin, .platform: [.admin]
        }
    }
}
