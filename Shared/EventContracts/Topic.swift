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
    /// The stores' lifecycle: the registry (the gateway) announces stores and their status,
    /// and every service answers with its receipt for a new store (``StoreProvisioned``). The
    /// one topic more than one service publishes to: the registry reads the receipts without
    /// reading every service's whole topic, and the services learn of stores without reading
    /// identity events (which carry customers' reset and verification tokens).
    public static let platform = "platform.events"

    public static let all = [catalog, checkout, payments, orders, fulfillment, identity, platform]

    /// Where a consumer group parks messages its handler failed on after the retry budget.
    public static func deadLetter(forGroup group: String) -> String { "\(group).dead-letter" }
}
