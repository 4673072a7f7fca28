import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit

/// Who may open a cart: a customer's cart opens for that customer; a guest cart for whoever
/// presents its token in `X-Cart-Token`. Anyone else gets 404, as if the cart did not exist.
struct CartAccess: Sendable {
    static let tokenHeader = HTTPField.Name("X-Cart-Token")!

    var customerId: UUID?
    var token: String?

    init(request: Request, context: ServiceRequestContext) {
        let caller = context.caller(of: request)
        customerId = caller.role == .customer ? caller.customerId : nil
        token = request.headers[Self.tokenHeader]
    }

    init(customerId: UUID?, token: String?) {
        self.customerId = customerId
        self.token = token
    }

    /// Whether a cart owned by `owner` (or, for a guest cart, with `tokenHash`) opens.
    func opens(owner: UUID?, tokenHash: [UInt8]?) -> Bool {
        if let owner { return owner == customerId }
        guard let token, let tokenHash else { return false }
        return Array(OpaqueToken.hash(token).readableBytesView) == tokenHash
    }
}
