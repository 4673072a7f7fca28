/// Where a payment is, as the payments API writes it.
public enum PaymentStatus: String, Codable, Sendable, CaseIterable, Hashable, CustomStringConvertible {
    /// Open: waiting for the transfer or the card.
    case awaiting
    /// Cash on delivery: nothing to pay until the parcel arrives.
    case collectOnDelivery = "collect_on_delivery"
    /// The whole amount arrived.
    case succeeded
    /// Part of the amount arrived; the order stays unpaid.
    case underpaid
    /// No payment could be opened (the provider refused).
    case failed
    /// Closed without money, because its order was cancelled.
    case cancelled

    /// The wire word.
    public var description: String { rawValue }
}
