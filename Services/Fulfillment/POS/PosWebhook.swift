import Foundation
import Hummingbird
import Logging
import PostgresNIO
import ServiceKit

/// `POST /stores/{store}/webhooks/pos` (the original store's also at `/webhooks/pos`): the POS
/// reports an order's progress (shipped with the carrier's tracking, delivered). Verified by
/// `X-Pos-Signature: sha256=<hex HMAC-SHA256 over "{X-Pos-Timestamp}.{raw body}">` with the
/// store's webhook secret (``PosAccount``; a store without one refuses every notice),
/// timestamps within 300 s either way; a repeated event id has no second effect. Unknown
/// orders and other statuses are acknowledged and recorded.
struct PosWebhook: Sendable {
    let shipments: ShipmentStore
    let pushes: PosPushStore
    let accounts: PosAccountStore
    static let tolerance: TimeInterval = 300

    struct Event: Decodable, Sendable {
        struct Partner: Decodable, Sendable {
            var name: String?
            var trackingNumber: String?
            var trackingUrl: String?
        }
        var eventId: String
        var orderId: String
        var status: String
        var partner: Partner?
    }

    struct Receipt: ResponseEncodable {
        var received: Bool
        var outcome: String
    }

    /// Whether `X-Pos-Signature: sha256=<hex>` signs `body` at `X-Pos-Timestamp` with `secret`
    /// (the kit's ``TimestampedSignature``, 300 s either way).
    static func verify(body: Data, timestamp: String?, signature: String?, secret: String, now: Date = Date()) -> Bool {
        guard let timestamp, let seconds = Int(timestamp), let signature, signature.hasPrefix("sha256=") else { return false }
        return TimestampedSignature(secret: secret, tolerance: tolerance)
            .check(body: body, timestamp: seconds, signatures: [String(signature.dropFirst(7))], now: now) == .valid
    }

    func register(on router: Router<ServiceRequestContext>) {
        router.storeWebhook("pos", database: shipments.database) { request, context -> Receipt in
            let buffer = try await request.body.collect(upTo: 256 * 1024)
            let body = Data(buffer.readableBytesView)
            let account: PosAccount?
            do {
                account = try await accounts.account(logger: context.logger)
            } catch let error as PosAccountStore.Unreadable {
                context.logger.error("the store's POS account cannot be read", metadata: ["error": "\(error)"])
                throw Problem(status: .serviceUnavailable, type: "pos-account-unreadable", title: "This store's POS account cannot be read.",
                              detail: "The POS may send the notice again later.")
            }
            guard let secret = account?.webhookSecret,
                  Self.verify(body: body, timestamp: request.headers[.init("X-Pos-Timestamp")!],
                              signature: request.headers[.init("X-Pos-Signature")!], secret: secret) else {
                throw Problem(status: .unauthorized, type: "bad-signature", title: "The POS signature does not verify.")
            }
            let event = try Request.decode(Event.self, from: body)
            guard (1...200).contains(event.eventId.count), (1...100).contains(event.orderId.count) else {
                throw Problem.validation([.init(field: "event_id", message: "event_id and order_id must be 1 to 200 characters")])
            }
            let tracking = try TrackingInput(carrier: event.partner?.name, trackingNumber: event.partner?.trackingNumber,
                                             trackingUrl: event.partner?.trackingUrl).validated()
            let outcome = try await shipments.database.transaction(logger: context.logger) { connection -> String in
                try await apply(event, tracking: tracking, correlationId: context.correlationId, on: connection, logger: context.logger)
            }
            return Receipt(received: true, outcome: outcome)
        }
    }

    private func apply(_ event: Event, tracking: TrackingInput, correlationId: String?,
                       on connection: PostgresConnection, logger: Logger) async throws -> String {
        guard try await pushes.recordWebhookEvent(event.eventId, posOrder: event.orderId, status: event.status, on: connection, logger: logger)
        else { return "duplicate" }
        let orderId = try await pushes.orderId(posOrder: event.orderId, on: connection, logger: logger)
        var outcome = "ignored"
        if let orderId, ["shipped", "delivered"].contains(event.status) {
            var moved = 0
            for shipment in try await shipments.lockedShipments(of: orderId, on: connection, logger: logger) {
                var current = shipment
                if current.status == .pending {
                    if !tracking.isEmpty { try await shipments.setTracking(current.id.uuid, tracking, on: connection, logger: logger) }
                    guard let refreshed = try await shipments.find(current.id.uuid, on: connection, logger: logger) else { continue }
                    if try await shipments.move(refreshed, to: .shipped, correlationId: correlationId, on: connection, logger: logger) {
                        moved += 1
                        current.status = .shipped
                    }
                }
                if event.status == "delivered", current.status == .shipped,
                   try await shipments.move(current, to: .delivered, correlationId: correlationId, on: connection, logger: logger) {
                    moved += 1
                }
            }
            outcome = moved > 0 ? event.status : "no_change"
        } else if orderId == nil {
            outcome = "unknown_order"
        }
        try await pushes.setWebhookOutcome(outcome, of: event.eventId, on: connection, logger: logger)
        logger.info("POS webhook", metadata: ["pos.event_id": "\(event.eventId)", "pos.status": "\(event.status)", "outcome": "\(outcome)"])
        return outcome
    }
}
