/// Every event type of the suite, by the topic it travels on. `docs/events.md` describes
/// each; a test checks that the document names every type listed here.
public enum EventCatalogue {
    public static let byTopic: [(topic: String, types: [any EventPayload.Type])] = [
        (Topic.catalog, [ProductPublished.self, ProductUpdated.self, ProductArchived.self, PriceChanged.self, StockLow.self,
                         InventoryReserved.self, InventoryRejected.self, ReservationReleased.self, ReservationCommitted.self,
                         CartUpdated.self, CartAbandoned.self, ProbeSent.self]),
        (Topic.checkout, [CheckoutSubmitted.self, CheckoutPlaced.self, CheckoutClosed.self]),
        (Topic.payments, [PaymentOpened.self, PaymentSucceeded.self, PaymentUnderpaid.self, PaymentFailed.self, RefundSucceeded.self]),
        (Topic.orders, [OrderPlaced.self, OrderSettled.self, OrderStatusChanged.self, OrderCancelled.self]),
        (Topic.fulfillment, [ShipmentCreated.self, ShipmentShipped.self, ShipmentDelivered.self, ShipmentCancelled.self, StockCounted.self,
                              DownloadsGranted.self]),
        (Topic.identity, [PasswordResetRequested.self, CustomerRegistered.self, EmailVerificationRequested.self, EmailVerified.self,
                          StaffInvited.self]),
        (Topic.platform, [StoreCreated.self, StoreSettingsChanged.self, StoreStatusChanged.self, StoreProvisioned.self]),
    ]

    public static var allTypes: [String] { byTopic.flatMap { $0.types.map { $0.eventType } } }
}
