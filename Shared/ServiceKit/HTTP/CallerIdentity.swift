import EventContracts
import Foundation
import HTTPTypes
import Hummingbird

/// Who is calling a service, as the gateway asserts it. The gateway removes any client-sent
/// `X-Commerce-*` header and sets these from a verified access token; services are reachable
/// only by the gateway, so they trust them.
public struct CallerIdentity: Sendable, Equatable, ResponseEncodable {
    public enum Role: String, Sendable, Codable { case guest, customer, staff, admin }

    public static let customerHeader = HTTPField.Name("X-Commerce-Customer-Id")!
    public static let staffHeader = HTTPField.Name("X-Commerce-Staff-Id")!
    public static let roleHeader = HTTPField.Name("X-Commerce-Role")!
    public static let platformAdminHeader = HTTPField.Name("X-Commerce-Platform-Admin")!

    public var role: Role
    public var customerId: UUID?
    public var staffId: UUID?
    /// A platform operator: creates, suspends and lists stores, and works in any store
    /// without a membership. Always an admin.
    public var platformAdmin: Bool
    /// The store a customer's account belongs to, as the gateway read it with the account; it
    /// refuses the account's token in any other store. Not asserted to services (they get the
    /// request's store, which is this one).
    public var customerStore: StoreID?

    public init(role: Role, customerId: UUID? = nil, staffId: UUID? = nil, platformAdmin: Bool = false, customerStore: StoreID? = nil) {
        self.role = role
        self.customerId = customerId
        self.staffId = staffId
        self.platformAdmin = platformAdmin && role == .admin
        self.customerStore = customerStore
    }

    /// Reads the gateway's headers; a request without them is a guest.
    public init(headers: HTTPFields) {
        self.role = headers[Self.roleHeader].flatMap(Role.init(rawValue:)) ?? .guest
        self.customerId = headers[Self.customerHeader].flatMap(UUID.init(uuidString:))
        self.staffId = headers[Self.staffHeader].flatMap(UUID.init(uuidString:))
        self.platformAdmin = role == .admin && headers[Self.platformAdminHeader] == "true"
        if role == .customer && customerId == nil || (role == .staff || role == .admin) && staffId == nil { self = .guest }
    }

    public static let guest = CallerIdentity(role: .guest)

    /// The headers that assert this identity.
    public var headers: [(HTTPField.Name, String)] {
        var fields: [(HTTPField.Name, String)] = [(Self.roleHeader, role.rawValue)]
        if let customerId { fields.append((Self.customerHeader, customerId.uuidString.lowercased())) }
        if let staffId { fields.append((Self.staffHeader, staffId.uuidString.lowercased())) }
        if platformAdmin { fields.append((Self.platformAdminHeader, "true")) }
        return fields
    }
}

extension CallerIdentity {
    private enum CodingKeys: String, CodingKey { case role, customerId, staffId, platformAdmin }

    /// Ids render lower-case, as everywhere in the API.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(role, forKey: .role)
        try container.encodeIfPresent(customerId?.uuidString.lowercased(), forKey: .customerId)
        try container.encodeIfPresent(staffId?.uuidString.lowercased(), forKey: .staffId)
        if platformAdmin { try container.encode(true, forKey: .platformAdmin) }
    }
}

extension CallerIdentity {
    /// This identity, if it has one of `roles`: 401 for a guest, 403 for another role.
    public func requiring(_ roles: Set<Role>) throws -> CallerIdentity {
        guard role != .guest || roles.contains(.guest) else { throw Problem.unauthenticated }
        guard roles.contains(role) else {
            throw Problem(status: .forbidden, type: "forbidden", title: "This needs another role.",
                          detail: "Allowed: \(roles.map(\.rawValue).sorted().joined(separator: ", ")).")
        }
        return self
    }

    /// This identity, if `access` lets it in: 401 for a guest, 403 for another role or, on a
    /// platform route, for an admin who is not a platform operator.
    public func requiring(_ access: Access) throws -> CallerIdentity {
        guard let roles = access.roles else { return self }
        let admitted = try requiring(roles)
        if access == .platform && !platformAdmin {
            throw Problem(status: .forbidden, type: "forbidden", title: "This needs a platform operator.",
                          detail: "Only platform operators manage stores.")
        }
        return admitted
    }
}

extension ServiceRequestContext {
    /// Who is calling: the identity the gateway verified in this process, or else the one it
    /// asserted in its headers to this service. (The gateway removes client-sent identity
    /// headers at its door, so on the gateway only a verified token counts.)
    public func caller(of request: Request) -> CallerIdentity {
        verifiedCaller ?? CallerIdentity(headers: request.headers)
    }
}

extension ServiceRequestContext {
    /// The customer a ``Access/customer`` controller's role check let in; 401 on a route
    /// without one.
    public var customerId: UUID {
        get throws {
            guard let id = verifiedCaller?.customerId else { throw Problem.unauthenticated }
            return id
        }
    }

    /// The staff member a staff or admin controller's role check let in.
    public var staffId: UUID? { verifiedCaller?.staffId }

    /// That staff member as timelines and audit entries name them: `staff:<id>`.
    public var staffActor: String { "staff:\(staffId?.uuidString.lowercased() ?? "unknown")" }
}
