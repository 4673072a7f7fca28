/// The public widget API of checkout pages, at `/api/checkout/widget/<store>/<page>/...`:
/// called from any site without a sign-in, so the store is named in the path (its slug, or its
/// id), every origin may call it, it has a rate limit of its own, and a checkout started there
/// counts as an order placement.
enum WidgetPaths {
    static let prefix = "/api/checkout/widget/"

    static func contains(_ path: String) -> Bool { path.hasPrefix(prefix) }

    /// The store segment of a widget path (`lotus-tea` in `/api/checkout/widget/lotus-tea/gift/pay`).
    static func store(in path: String) -> String? {
        guard contains(path) else { return nil }
        let store = path.dropFirst(prefix.count).prefix { $0 != "/" }
        return store.isEmpty ? nil : String(store)
    }

    /// Whether the request starts a checkout on a page (`POST …/<page>/checkouts`).
    static func placesOrder(method: String, path: String) -> Bool {
        method == "POST" && contains(path) && path.hasSuffix("/checkouts")
    }
}
