/// How a customer pays, as the API and every event write it. An event whose method is not
/// one of these does not decode (and goes to the dead-letter topic), never silently nowhere.
public enum PaymentMethod: String, Codable, Sendable, CaseIterable, Hashable, CustomStringConvertible {
    /// Cash on delivery: the order is confirmed at once and paid when the parcel is delivered.
    case cod
    /// A bank transfer to the shop's account (SePay reports it; VietQR tells the customer how).
    case bankTransfer = "bank_transfer"
    /// A card, through the Stripe-compatible provider.
    case card

    /// The wire word, also in text written for people (timelines, logs).
    public var description: String { rawValue }

    /// Whether the customer pays before the goods go out (and the checkout waits for the money).
    public var paysInAdvance: Bool { self != .cod }
}
