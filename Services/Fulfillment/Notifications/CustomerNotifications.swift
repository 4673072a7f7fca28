import EventContracts
import Foundation
import Logging
import Messaging
import Money
import PostgresNIO
import ServiceKit

/// Turns the shop's events into customer emails: order confirmation, payment received (with
/// download links for digital goods), shipped with tracking, delivered, cancelled, refunded,
/// password reset, email verification, a store's staff invitation and the abandoned-cart reminder (not to customers who
/// opted out; it carries a one-click unsubscribe). Each is rendered in its store's language,
/// time zone and name
/// and queued in the consuming transaction, so an event makes its email exactly once and
/// sending never holds the consumer up. Runs after ``ShipmentPlanning`` and ``OrderDownloads`` in
/// the same transaction, so the order's snapshot and its downloads are there to read.
struct CustomerNotifications: EventHandler {
    let emails: EmailStore
    let templates: EmailTemplates
    let locale: EmailLocale
    let shopName: String
    /// The storefront's address: order pages, the password-reset page and the cart live there.
    let storefrontURL: String
    let downloads: DownloadGrantStore
    let optOuts: OptOutStore
    /// Where the orders fulfilment keeps (from `order.placed`) are read.
    let shipments: ShipmentStore
    /// Each store's name, language and time zone (the original store's are the settings above).
    let stores: ServedStores

    /// How a store's emails read: its language and time zone, under its name.
    struct Voice {
        var locale: EmailLocale
        var shopName: String
    }

    /// The voice of the store whose event this is.
    private func voice(for context: EventContext) async throws -> Voice {
        guard let store = try await stores.settings(of: context.storeId, on: context.connection, logger: context.logger) else {
            return Voice(locale: locale, shopName: shopName)
        }
        return Voice(locale: EmailLocale(language: EmailLanguage(rawValue: store.language) ?? locale.language,
                                         timeZone: TimeZone(identifier: store.timeZone) ?? locale.timeZone),
                     shopName: store.name)
    }

    var reactions: EventReactions {
        EventReactions()
            .on(CustomerRegistered.self) { registered, context in try await rememberCustomer(registered, context) }
            .on(PasswordResetRequested.self) { reset, context in try await sendPasswordReset(reset, context) }
            .on(EmailVerificationRequested.self) { request, context in try await sendEmailVerification(request, context) }
            .on(StaffInvited.self) { invited, context in try await sendInvitation(invited, context) }
            .on(CartAbandoned.self) { cart, context in try await remindOfCart(cart, context) }
            .on(OrderPlaced.self) { placed, context in try await confirmOrder(placed, context) }
            .on(OrderSettled.self) { settled, context in try await confirmPayment(settled, context) }
            .on(OrderCancelled.self) { cancelled, context in try await announceCancellation(cancelled, context) }
            .on(ShipmentShipped.self) { shipped, context in try await announceShipment(shipped, context) }
            .on(ShipmentDelivered.self) { delivered, context in try await announceDelivery(delivered, context) }
            .on(RefundSucceeded.self) { refund, context in try await announceRefund(refund, context) }
    }

    private func rememberCustomer(_ registered: CustomerRegistered, _ context: EventContext) async throws {
        let (connection, logger) = (context.connection, context.logger)
        let customer = registered.customerId.uuid
        try await emails.remember(customer: customer, email: registered.email, name: registered.name, on: connection, logger: logger)
    }

    private func sendPasswordReset(_ reset: PasswordResetRequested, _ context: EventContext) async throws {
        let voice = try await self.voice(for: context)
        let (envelope, connection, logger) = (context.envelope, context.connection, context.logger)
        let customer = reset.customerId.uuid
        try await emails.remember(customer: customer, email: reset.email, name: reset.name, on: connection, logger: logger)
        try await send(.passwordReset, for: envelope, order: nil, customer: customer, to: reset.email, name: reset.name, values: [
            "resetUrl": storefrontLink("/reset-password", token: reset.resetToken), "expiresAt": voice.locale.date(reset.expiresAt),
        ], voice: voice, on: connection, logger: logger)
    }

    private func sendEmailVerification(_ request: EmailVerificationRequested, _ context: EventContext) async throws {
        let voice = try await self.voice(for: context)
        let (envelope, connection, logger) = (context.envelope, context.connection, context.logger)
        try await send(.emailVerification, for: envelope, order: nil, customer: request.customerId.uuid, to: request.email,
                       name: request.name, values: [
            "verifyUrl": storefrontLink("/verify-email", token: request.verificationToken), "expiresAt": voice.locale.date(request.expiresAt),
        ], voice: voice, on: connection, logger: logger)
    }

    /// A person invited to work in a store: written in the store's language, under its name.
    private func sendInvitation(_ invited: StaffInvited, _ context: EventContext) async throws {
        let language = EmailLanguage(rawValue: invited.language) ?? locale.language
        let storeLocale = EmailLocale(language: language, timeZone: try await self.voice(for: context).locale.timeZone)
        let roles: [String: String] = language == .vietnamese
            ? ["owner": "chủ cửa hàng", "admin": "quản trị viên", "staff": "nhân viên"]
            : ["owner": "owner", "admin": "administrator", "staff": "staff member"]
        var values: [String: Any] = ["token": invited.invitationToken, "role": roles[invited.role] ?? invited.role,
                                     "expiresAt": storeLocale.date(invited.expiresAt)]
        if let url = invited.acceptUrl { values["acceptUrl"] = url }
        try await send(.staffInvitation, for: context.envelope, order: nil, customer: nil, to: invited.email, name: nil, values: values,
                       voice: Voice(locale: storeLocale, shopName: invited.storeName), on: context.connection, logger: context.logger)
    }

    private func remindOfCart(_ cart: CartAbandoned, _ context: EventContext) async throws {
        let voice = try await self.voice(for: context)
        let (envelope, connection, logger) = (context.envelope, context.connection, context.logger)
        guard let customer = cart.customerId?.uuid, !cart.lines.isEmpty,
              try await !optOuts.isOptedOut(customer, on: connection, logger: logger),
              let recipient = try await emails.recipient(of: customer, on: connection, logger: logger) else { return }
        try await send(.abandonedCart, for: envelope, order: nil, customer: customer, to: recipient.email, name: recipient.name, values: [
            "lines": cart.lines.map { ["title": $0.title, "quantity": $0.quantity, "sku": $0.sku] },
            "cartUrl": "\(storefrontURL)/cart", "unsubscribeUrl": optOuts.pageURL(for: customer),
        ], unsubscribeURL: optOuts.oneClickURL(for: customer), voice: voice, on: connection, logger: logger)
    }

    private func confirmOrder(_ placed: OrderPlaced, _ context: EventContext) async throws {
        let voice = try await self.voice(for: context)
        let (envelope, connection, logger) = (context.envelope, context.connection, context.logger)
        // The event is what the snapshot was made of, in this same transaction: no need to read it back.
        let order = OrderSnapshot(placed)
        if let customer = order.customerId {
            try await emails.remember(customer: customer, email: order.email, name: order.contact?.name, on: connection, logger: logger)
        }
        try await send(.orderConfirmation, about: order, for: envelope, values: [
            "lines": order.lines.map { ["title": $0.title, "sku": $0.sku, "quantity": $0.quantity, "lineTotal": voice.locale.money($0.lineTotal)] },
            "total": order.total.map(voice.locale.money) ?? "",
            "method": [order.paymentMethod: true],
            "paymentDueBy": order.paymentDueBy.map(voice.locale.date) as Any,
            "address": order.address.map(Self.oneLine) as Any,
        ], voice: voice, on: connection, logger: logger)
    }

    private func confirmPayment(_ settled: OrderSettled, _ context: EventContext) async throws {
        let voice = try await self.voice(for: context)
        let (envelope, connection, logger) = (context.envelope, context.connection, context.logger)
        guard settled.status == "paid", let order = try await shipments.snapshot(settled.orderId, on: connection, logger: logger) else { return }
        let links = try await downloads.links(forOrder: order.id, on: connection, logger: logger)
        try await send(.paymentReceived, about: order, for: envelope, values: [
            "total": order.total.map(voice.locale.money) ?? "",
            "hasShipment": order.lines.contains { !$0.isDigital },
            "hasDownloads": !links.isEmpty,
            "downloads": links.map { ["title": $0.title, "url": $0.url] },
            "downloadsExpireAt": links.map(\.expiresAt).min().map(voice.locale.date) ?? "",
        ], voice: voice, on: connection, logger: logger)
    }

    private func announceCancellation(_ cancelled: OrderCancelled, _ context: EventContext) async throws {
        let voice = try await self.voice(for: context)
        let (envelope, connection, logger) = (context.envelope, context.connection, context.logger)
        guard let order = try await shipments.snapshot(cancelled.orderId, on: connection, logger: logger) else { return }
        let reason = ["customer_abandoned": "customer"][cancelled.reason] ?? cancelled.reason
        try await send(.cancelled, about: order, for: envelope, values: ["reason": [reason: true]], voice: voice, on: connection, logger: logger)
    }

    private func announceShipment(_ shipped: ShipmentShipped, _ context: EventContext) async throws {
        let voice = try await self.voice(for: context)
        let (envelope, connection, logger) = (context.envelope, context.connection, context.logger)
        guard let order = try await shipments.snapshot(shipped.orderId, on: connection, logger: logger) else { return }
        try await send(.shipped, about: order, for: envelope, values: [
            "lines": shipped.lines.map { ["title": $0.title, "quantity": $0.quantity, "sku": $0.sku] },
            "tracking": ["carrier": shipped.tracking.carrier as Any, "number": shipped.tracking.number as Any, "url": shipped.tracking.url as Any],
            "allShipped": shipped.allShipped,
        ], voice: voice, on: connection, logger: logger)
    }

    private func announceDelivery(_ delivered: ShipmentDelivered, _ context: EventContext) async throws {
        let voice = try await self.voice(for: context)
        let (envelope, connection, logger) = (context.envelope, context.connection, context.logger)
        guard let order = try await shipments.snapshot(delivered.orderId, on: connection, logger: logger) else { return }
        try await send(.delivered, about: order, for: envelope, values: ["allDelivered": delivered.allDelivered], voice: voice, on: connection, logger: logger)
    }

    private func announceRefund(_ refund: RefundSucceeded, _ context: EventContext) async throws {
        let voice = try await self.voice(for: context)
        let (envelope, connection, logger) = (context.envelope, context.connection, context.logger)
        guard let order = try await shipments.snapshot(refund.orderId, on: connection, logger: logger) else { return }
        try await send(.refunded, about: order, for: envelope, values: [
            "amount": voice.locale.money(refund.amount), "refundedTotal": voice.locale.money(refund.refundedTotal),
            "captured": voice.locale.money(refund.captured), "fullyRefunded": refund.refundedTotal == refund.captured,
            "method": [order.paymentMethod: true],
        ], voice: voice, on: connection, logger: logger)
    }

    /// A storefront page that takes a single-use token (`?token=…`, query-escaped).
    private func storefrontLink(_ path: String, token: String) -> String {
        var query = URLComponents()
        query.queryItems = [URLQueryItem(name: "token", value: token)]
        return storefrontURL + path + (query.string ?? "")
    }

    static func oneLine(_ address: ShippingAddress) -> String {
        [address.line1, address.line2, address.ward, address.district, address.province, address.city, address.postalCode, address.country]
            .compactMap { $0?.isEmpty == false ? $0 : nil }.joined(separator: ", ")
    }

    private func send(_ kind: EmailKind, about order: OrderSnapshot, for envelope: EventEnvelope, values: [String: Any],
                      voice: Voice, on connection: PostgresConnection, logger: Logger) async throws {
        var values = values
        values["orderNumber"] = order.number
        values["orderUrl"] = "\(storefrontURL)/orders/\(order.number)"
        try await send(kind, for: envelope, order: order.id, customer: order.customerId, to: order.contact?.email ?? order.email,
                       name: order.contact?.name, values: values, voice: voice, on: connection, logger: logger)
    }

    private func send(_ kind: EmailKind, for envelope: EventEnvelope, order: UUID?, customer: UUID?, to address: String, name: String?,
                      values: [String: Any], unsubscribeURL: String? = nil, voice: Voice,
                      on connection: PostgresConnection, logger: Logger) async throws {
        var values = values
        let language = voice.locale.language
        values["shopName"] = voice.shopName
        values["customerName"] = name.flatMap { $0.isEmpty ? nil : $0 } ?? String(address.split(separator: "@").first ?? "")
        let content = templates.render(kind, in: language, values: values)
        try await emails.queue(.init(kind: kind, eventId: envelope.id, orderId: order, customerId: customer, recipient: address,
                                     recipientName: name, language: language, content: content, unsubscribeURL: unsubscribeURL),
                                on: connection, logger: logger)
    }
}
