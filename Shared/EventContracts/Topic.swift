/// The Kafka topics of the suite. Each service publishes to exactly one topic it owns;
/// any service may consume any topic. Messages are keyed by the aggregate id.
public enum Topic {
    public static let catalog = "catalog.events"
    public static let checkout = "checkout.events"
    public static let payments = "payments.events"
    public static let orders = "orders.events"
    public static let fulfillment = "fulfillment.events"
    /// Events the gateway publishes about identity (password resets, blocked customers).
    public static let identity = "identity.events"
    /// Every service's receipt for a new store (``StoreProvisioned``), read only by the store
    /// registry: the one topic more than one service publishes to, so that the registry does
    /// not have to read every service's whole topic for one event type.
    public static let platform = "platform.events"

    public static let all = [catalog, checkout, payments, orders, fulfillment, identity, platform]

    /// Where a consumer group parks messages its handler failed on after the retry budget.
    public static func deadLetter(forGroup group: String) -> String { "\(group).dead-letter" }
}
