import EventContracts
import Foundation
import Hummingbird

/// A shop of the deployment, as the registry keeps it and the platform API shows it.
struct Store: Sendable, Equatable, ResponseEncodable {
    enum Status: String, Sendable, Codable {
        /// Created; the services are setting it up. Its storefront is closed.
        case provisioning
        case active
        /// Closed by a platform operator: no storefront, no checkouts; its data stays.
        case suspended
    }

    var id: StoreID
    var status: Status
    var settings: StoreSettings
    /// What the store's storefront sends as `X-Store-Key`: public, safe in a web page.
    var publishableKey: String
    var ownerEmail: String?
    var suspendedReason: String?
    /// The services that have done their part (all of ``StoreRegistry/participants`` once open).
    var provisioned: [String]
    var createdAt: Date
}

/// A store's publishable key: `pk_` and 32 random hex digits. It names the store, it does not
/// authorise anything (a storefront ships it to every browser).
enum PublishableKey {
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }
        return "pk_" + digits.joined()
    }
}
