import AsyncHTTPClient

/// A store's account at the POS provider the deployment integrates with (`POS_BASE_URL`): the
/// API key POS sync calls it with, the store's shop id there, and the secret the POS signs
/// the store's webhooks with. Each store connects its own; the original store's are the
/// service's settings (`POS_API_KEY`, `POS_SHOP_ID`, `POS_WEBHOOK_SECRET`) unless its admins
/// set their own. A store without one has no POS sync: its orders are not queued for the POS
/// and webhooks at its address are refused.
struct PosAccount: Sendable, Equatable {
    var apiKey: String
    var shopId: String
    var webhookSecret: String

    /// The provider's API as this account.
    func client(of provider: PosProvider) -> PosClient {
        PosClient(baseURL: provider.baseURL, apiKey: apiKey, shopId: shopId, client: HTTPClient.shared, timeout: provider.timeout)
    }
}

/// The POS provider the deployment integrates with: where its API is and how long one call may take.
struct PosProvider: Sendable {
    var baseURL: String
    var timeout: Duration
}
