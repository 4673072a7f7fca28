import EventContracts
import Foundation
import Hummingbird
import ServiceKit

/// A merchant's endpoint: where events of the chosen types are posted, signed with its
/// secret. The secret is shown once, in the answer that registers the endpoint.
struct WebhookEndpoint: ResponseEncodable, Sendable {
    var id: String
    var url: String
    var description: String?
    var eventTypes: [String]
    var active: Bool
    var createdBy: String
    var createdAt: Date
    /// Only in the registration's answer.
    var secret: String?

    static let columns = "id, url, description, event_types, active, created_by, created_at"
    typealias Row = (UUID, String, String?, [String], Bool, String, Date)

    init(row: Row) {
        id = row.0.uuidString.lowercased()
        url = row.1
        description = row.2
        eventTypes = row.3
        active = row.4
        createdBy = row.5
        createdAt = row.6
    }

    /// The events a merchant may subscribe to: orders, payments, refunds, shipments and the
    /// public catalog. Identity events (reset tokens) and carts (guest tokens) never leave.
    static let subscribable: [any EventPayload.Type] = [
        OrderPlaced.self, OrderSettled.self, OrderStatusChanged.self, OrderCancelled.self,
        PaymentSucceeded.self, PaymentUnderpaid.self, PaymentFailed.self, RefundSucceeded.self,
        ShipmentCreated.self, ShipmentShipped.self, ShipmentDelivered.self, ShipmentCancelled.self, DownloadsGranted.self,
        ProductPublished.self, ProductUpdated.self, ProductArchived.self, PriceChanged.self, StockLow.self,
    ]

    /// The CloudEvents types of ``subscribable``.
    static let subscribableTypes: [String] = subscribable.map { $0.eventType }
}

/// What staff send to register an endpoint.
struct EndpointRegistration: Decodable, Sendable {
    var url: String
    var eventTypes: [String]
    var secret: String?
    var description: String?

    /// The URL, event types, secret (given or made) and description; each bad field named.
    func validated(by destinations: DestinationGuard) async throws -> (URL, [String], String, String?) {
        var errors: [Problem.FieldError] = []
        let text = url.trimmingCharacters(in: .whitespacesAndNewlines)
        var parsed: URL?
        if text.count > 2000 || text.isEmpty {
            errors.append(.init(field: "url", message: "must be an http or https URL of at most 2000 characters"))
        } else if let candidate = URL(string: text) {
            do {
                try await destinations.check(candidate)
                parsed = candidate
            } catch {
                errors.append(.init(field: "url", message: "\(error)"))
            }
        } else {
            errors.append(.init(field: "url", message: "must be an http or https URL"))
        }
        let types = Array(Set(eventTypes)).sorted()
        if types.isEmpty || types.count > WebhookEndpoint.subscribableTypes.count {
            errors.append(.init(field: "event_types", message: "must list at least one event type"))
        }
        for type in types where !WebhookEndpoint.subscribableTypes.contains(type) {
            errors.append(.init(field: "event_types", message: "\(type.prefix(100)) is not an event merchants can subscribe to"))
        }
        let secret = self.secret ?? WebhookSignature.newSecret()
        if WebhookSignature(secret: secret) == nil {
            errors.append(.init(field: "secret", message: "must be whsec_ followed by base64 of 24 to 64 random bytes"))
        }
        let description = self.description?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let description, description.count > 500 || description.contains("\0") {
            errors.append(.init(field: "description", message: "must be at most 500 characters"))
        }
        guard errors.isEmpty, let parsed else { throw Problem.validation(errors) }
        return (parsed, types, secret, description?.isEmpty == true ? nil : description)
    }
}

/// One event's delivery to one endpoint, with its attempts.
struct WebhookDelivery: ResponseEncodable, Sendable {
    struct Attempt: Codable, Sendable {
        var attempt: Int
        var at: Date
        var statusCode: Int?
        var error: String?
        var durationMs: Int
    }

    var id: String
    var endpointId: String
    var eventId: String
    var eventType: String
    var status: String
    var attempts: Int
    var nextAttemptAt: Date?
    var lastStatusCode: Int?
    var lastError: String?
    var createdAt: Date
    var deliveredAt: Date?
    var log: [Attempt]

    static let columns = """
        d.id, d.endpoint_id, d.event_id, d.event_type, d.status, d.attempts, d.next_attempt_at, d.last_status_code, d.last_error,
        d.created_at, d.delivered_at,
        COALESCE((SELECT json_agg(json_build_object('attempt', a.attempt,
                                                    'at', to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'status_code', a.status_code, 'error', a.error,
                                                    'duration_ms', a.duration_ms) ORDER BY a.id)
                  FROM webhook_attempts a WHERE a.delivery_id = d.id), '[]')::text
        """
    typealias Row = (UUID, UUID, String, String, String, Int, Date, Int?, String?, Date, Date?, String)

    init(row: Row) throws {
        id = row.0.uuidString.lowercased()
        endpointId = row.1.uuidString.lowercased()
        eventId = row.2
        eventType = row.3
        status = row.4
        attempts = row.5
        nextAttemptAt = status == "pending" ? row.6 : nil
        lastStatusCode = row.7
        lastError = row.8
        createdAt = row.9
        deliveredAt = row.10
        log = try EventCoding.decoder.decode([Attempt].self, from: Data(row.11.utf8))
    }
}
