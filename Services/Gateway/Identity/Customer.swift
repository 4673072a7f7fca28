import EventContracts
import Foundation
import Hummingbird

/// A shop customer as the API shows them (never with the password hash). An account belongs
/// to one store: the same email may be a customer of two stores, with two passwords.
struct Customer: ResponseEncodable, Sendable, Equatable {
    var id: UUID
    /// The store the account belongs to (not shown: the caller is in it).
    var storeId: StoreID
    var email: String
    var name: String
    var phone: String?
    var createdAt: Date
    var blocked: Bool
    /// The customer proved the address is theirs (guest orders placed with it are then theirs too).
    var emailVerified: Bool
}

extension Customer {
    private enum CodingKeys: String, CodingKey {
        case id, email, name, phone, createdAt, blocked, emailVerified
    }

    /// Ids render lower-case, as everywhere else in the API.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.uuidString.lowercased(), forKey: .id)
        try container.encode(email, forKey: .email)
        try container.encode(name, forKey: .name)
        try container.encodeIfPresent(phone, forKey: .phone)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(blocked, forKey: .blocked)
        try container.encode(emailVerified, forKey: .emailVerified)
    }
}
