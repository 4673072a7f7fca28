/// What one purchase buys, and in which store: the storefront names a store by its
/// publishable key (none: the original store, as a request naming no store reaches it), and
/// the card provider posts that store's webhooks to its own address on the payments listener.
/// The fault harness and the order benchmark spread their purchases over targets.
public struct PurchaseTarget: Sendable {
    /// The store's publishable key; nil for the original store.
    public var key: String?
    /// Where the card provider posts this store's webhooks, under the payments listener.
    public var webhookPath: String
    public var variant: String

    public init(variant: String, store: String? = nil, key: String? = nil) {
        self.variant = variant
        self.key = key
        self.webhookPath = store.map { "/stores/\($0)/webhooks/stripe" } ?? "/webhooks/stripe"
    }

    /// `<variant>` (the original store) or `<store id>|<publishable key>|<variant>`.
    public init(_ text: String) {
        let parts = text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 3 && !parts[1].isEmpty {
            self.init(variant: parts[2], store: parts[0], key: parts[1])
        } else {
            self.init(variant: parts.last ?? text)
        }
    }

    /// The headers a storefront of this store sends.
    public var storeHeaders: [String: String] { key.map { ["X-Store-Key": $0] } ?? [:] }
}
