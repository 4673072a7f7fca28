import EventContracts

/// Where a checkout session is. The allowed moves are the saga's:
/// `open → submitted → reserved → awaiting_payment → completed`; `submitted → rejected`
/// (stock or voucher); `reserved`/`awaiting_payment → expired` (payment window),
/// `failed` (no payment could be opened) or `abandoned` (the customer gave up);
/// `reserved → completed` for cash on delivery.
enum CheckoutStatus: String, Codable, Sendable, CaseIterable {
    case open, submitted, reserved
    case awaitingPayment = "awaiting_payment"
    case completed, rejected, expired, failed, abandoned

    /// The states this one may move to.
    var next: Set<CheckoutStatus> {
        switch self {
        case .open: [.submitted]
        case .submitted: [.reserved, .rejected]
        case .reserved: [.awaitingPayment, .completed, .expired, .failed, .abandoned]
        case .awaitingPayment: [.completed, .expired, .failed, .abandoned]
        case .completed, .rejected, .expired, .failed, .abandoned: []
        }
    }

    /// The states from which a move to `target` is allowed.
    static func sources(of target: CheckoutStatus) -> [String] {
        allCases.filter { $0.next.contains(target) }.map(\.rawValue)
    }

    /// Whether a storefront waiting with `Prefer: wait` has its answer: an outcome, or the
    /// payment instructions. Cash on delivery has no instructions to wait for: only its
    /// outcome answers (it may pass through `awaiting_payment` when the payment opens before
    /// the order is confirmed).
    func settlesWait(paymentMethod: PaymentMethod) -> Bool {
        switch self {
        case .open, .submitted, .reserved: false
        case .awaitingPayment: paymentMethod.paysInAdvance
        case .completed, .rejected, .expired, .failed, .abandoned: true
        }
    }
}
