import Foundation
import Money

/// What the customer needs to pay: a transfer's content and VietQR payload, or the card
/// provider's payment and client secret. Empty for cash on delivery.
public struct PaymentInstructions: Codable, Sendable, Equatable {
    public var transferContent: String?
    /// EMVCo (NAPAS VietQR) payload for the storefront to render as a QR code.
    public var qrPayload: String?
    public var bankBin: String?
    public var bankAccount: String?
    public var accountName: String?
    public var providerPaymentId: String?
    public var clientSecret: String?
    /// What the client does next (`confirm_card_payment`, `transfer`, `pay_on_delivery`).
    public var nextAction: String

    public init(transferContent: String? = nil, qrPayload: String? = nil, bankBin: String? = nil, bankAccount: String? = nil,
                accountName: String? = nil, providerPaymentId: String? = nil, clientSecret: String? = nil, nextAction: String) {
        self.transferContent = transferContent
        self.qrPayload = qrPayload
        self.bankBin = bankBin
        self.bankAccount = bankAccount
        self.accountName = accountName
        self.providerPaymentId = providerPaymentId
        self.clientSecret = clientSecret
        self.nextAction = nextAction
    }
}

/// A payment is open for an order, with what the customer does to pay. Keyed by the order id.
public struct PaymentOpened: EventPayload, Equatable {
    public static let eventType = "shop.payments.payment.opened.v1"

    public var paymentId: PaymentID
    public var orderId: OrderID
    public var orderNumber: String
    public var checkoutId: CheckoutID
    public var method: PaymentMethod
    public var amount: Money
    public var instructions: PaymentInstructions
    public var dueBy: Date?

    public init(paymentId: PaymentID, orderId: OrderID, orderNumber: String, checkoutId: CheckoutID, method: PaymentMethod, amount: Money,
                instructions: PaymentInstructions, dueBy: Date?) {
        self.paymentId = paymentId
        self.orderId = orderId
        self.orderNumber = orderNumber
        self.checkoutId = checkoutId
        self.method = method
        self.amount = amount
        self.instructions = instructions
        self.dueBy = dueBy
    }
}

/// The order's money arrived in full (card captured, transfer received, cash collected).
/// `afterCancellation` marks money that came for an order already cancelled: it is kept and
/// flagged for refund. Keyed by the order id.
public struct PaymentSucceeded: EventPayload, Equatable {
    public static let eventType = "shop.payments.payment.succeeded.v1"

    public var paymentId: PaymentID
    public var orderId: OrderID
    public var orderNumber: String
    public var checkoutId: CheckoutID
    public var method: PaymentMethod
    public var amount: Money
    /// What arrived beyond the amount due (flagged for staff), if anything.
    public var overpaid: Money?
    public var afterCancellation: Bool

    public init(paymentId: PaymentID, orderId: OrderID, orderNumber: String, checkoutId: CheckoutID, method: PaymentMethod, amount: Money,
                overpaid: Money? = nil, afterCancellation: Bool = false) {
        self.paymentId = paymentId
        self.orderId = orderId
        self.orderNumber = orderNumber
        self.checkoutId = checkoutId
        self.method = method
        self.amount = amount
        self.overpaid = overpaid
        self.afterCancellation = afterCancellation
    }
}

/// Less than the amount due arrived; the order stays unpaid. Keyed by the order id.
public struct PaymentUnderpaid: EventPayload, Equatable {
    public static let eventType = "shop.payments.payment.underpaid.v1"

    public var paymentId: PaymentID
    public var orderId: OrderID
    public var checkoutId: CheckoutID
    public var expected: Money
    public var received: Money

    public init(paymentId: PaymentID, orderId: OrderID, checkoutId: CheckoutID, expected: Money, received: Money) {
        self.paymentId = paymentId
        self.orderId = orderId
        self.checkoutId = checkoutId
        self.expected = expected
        self.received = received
    }
}

/// A payment attempt failed. `final` when no payment can follow (the provider refused to
/// open one): the checkout fails and the order is cancelled. Keyed by the order id.
public struct PaymentFailed: EventPayload, Equatable {
    public static let eventType = "shop.payments.payment.failed.v1"

    public var paymentId: PaymentID?
    public var orderId: OrderID
    public var checkoutId: CheckoutID
    public var reason: String
    public var final: Bool

    public init(paymentId: PaymentID?, orderId: OrderID, checkoutId: CheckoutID, reason: String, final: Bool) {
        self.paymentId = paymentId
        self.orderId = orderId
        self.checkoutId = checkoutId
        self.reason = reason
        self.final = final
    }
}

/// Money went back to the customer (through the card provider, or recorded as a manual
/// refund for bank transfer and cash). Keyed by the order id.
public struct RefundSucceeded: EventPayload, Equatable {
    public static let eventType = "shop.payments.refund.succeeded.v1"

    public var refundId: RefundID
    public var paymentId: PaymentID
    public var orderId: OrderID
    public var amount: Money
    /// Everything refunded on the payment so far, this refund included.
    public var refundedTotal: Money
    public var captured: Money
    /// `provider` or `manual`.
    public var channel: String

    public init(refundId: RefundID, paymentId: PaymentID, orderId: OrderID, amount: Money, refundedTotal: Money, captured: Money, channel: String) {
        self.refundId = refundId
        self.paymentId = paymentId
        self.orderId = orderId
        self.amount = amount
        self.refundedTotal = refundedTotal
        self.captured = captured
        self.channel = channel
    }
}
