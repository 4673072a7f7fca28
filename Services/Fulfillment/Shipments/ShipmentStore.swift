import EventContracts
import Foundation
import Logging
import Messaging
import Money
import Persistence
import PostgresNIO
import ServiceKit

/// The shipments of every order and the moves staff make on them; each move is one
/// conditional update, announced on `fulfillment.events` in the same transaction.
struct ShipmentStore: Sendable {
    let database: Database
    let outbox: Outbox

    // MARK: From the orders service

    /// Keeps a placed order's snapshot until it is settled or cancelled.
    func remember(_ placed: OrderPlaced, on connection: PostgresConnection, logger: Logger) async throws {
        let id = placed.orderId.uuid
        let encoder = EventCoding.encoder
        let lines = String(decoding: try encoder.encode(placed.lines ?? []), as: UTF8.self)
        let contact = try placed.contact.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        let address = try placed.shippingAddress.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        let total = String(decoding: try encoder.encode(placed.total), as: UTF8.self)
        try await connection.query("""
            INSERT INTO fulfilment_orders (order_id, order_number, customer_id, email, payment_method, contact, shipping_address, lines,
                                           total, payment_due_by)
            VALUES (\(id), \(placed.orderNumber), \(placed.customerId), \(placed.email), \(placed.paymentMethod),
                    \(contact)::jsonb, \(address)::jsonb, \(lines)::jsonb, \(total)::jsonb, \(placed.paymentDueBy))
            ON CONFLICT (order_id) DO NOTHING
            """, logger: logger)
    }

    /// The guest orders placed with `email` become `customer`'s.
    func claimGuestOrders(email: String, customer: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            UPDATE fulfilment_orders SET customer_id = \(customer), updated_at = now() WHERE customer_id IS NULL AND lower(email) = lower(\(email))
            """, logger: logger)
    }

    /// A settled order (paid, or confirmed for cash on delivery) gets one shipment with all
    /// its goods that ship (not its downloads), once.
    func orderSettled(_ orderId: UUID, correlationId: String?, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query("""
            UPDATE fulfilment_orders SET state = 'ready', updated_at = now()
            WHERE order_id = \(orderId) AND state = 'awaiting_payment' RETURNING order_number, lines::text
            """, logger: logger)
        var settled: (String, [PricedLine])?
        for try await (number, lines) in rows.decode((String, String).self) {
            settled = (number, try EventCoding.decoder.decode([PricedLine].self, from: Data(lines.utf8)))
        }
        guard let (number, priced) = settled else { return }
        let lines = priced.filter { $0.quantity > 0 && !$0.isDigital }.map { line in
            (line.variantId.uuid, ShipmentLine(variantId: line.variantId, sku: line.sku, title: line.title, quantity: line.quantity))
        }
        guard !lines.isEmpty else { return }
        try await create(order: orderId, number: number, lines: lines, splitFrom: nil, correlationId: correlationId, on: connection, logger: logger)
    }

    /// A cancelled order's shipments that have not left are cancelled with it.
    func orderCancelled(_ orderId: UUID, reason: String, correlationId: String?, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query("""
            WITH o AS (UPDATE fulfilment_orders SET state = 'cancelled', updated_at = now() WHERE order_id = \(orderId) RETURNING order_number)
            UPDATE shipments s SET status = 'cancelled', cancelled_at = now(), updated_at = now() FROM o
            WHERE s.order_id = \(orderId) AND s.status = 'pending' RETURNING s.id, o.order_number
            """, logger: logger)
        var cancelled: [(UUID, String)] = []
        for try await row in rows.decode((UUID, String).self) { cancelled.append(row) }
        let order = OrderID(orderId)
        for (id, number) in cancelled {
            try await outbox.enqueue(ShipmentCancelled(shipmentId: ShipmentID(id), orderId: order, orderNumber: number, reason: reason),
                                     subject: order, correlationId: correlationId, on: connection, logger: logger)
        }
    }

    // MARK: Reading

    func find(_ id: UUID, lock: Bool = false, on connection: PostgresConnection, logger: Logger) async throws -> Shipment? {
        let rows = try await connection.query("""
            SELECT \(unescaped: Shipment.columns) FROM shipments s JOIN fulfilment_orders o ON o.order_id = s.order_id WHERE s.id = \(id)
            \(unescaped: lock ? "FOR UPDATE OF s" : "")
            """, logger: logger)
        for try await row in rows.decode(Shipment.Row.self) { return try Shipment(row: row) }
        return nil
    }

    func find(_ id: UUID, logger: Logger) async throws -> Shipment? {
        try await database.client.withConnection { try await find(id, on: $0, logger: logger) }
    }

    /// An order's shipments, oldest first; nil when fulfilment has not heard of the order
    /// (or, with `customer`, it is someone else's).
    func forOrder(_ orderId: UUID, customer: UUID? = nil, logger: Logger) async throws -> OrderShipments? {
        try await database.client.withConnection { connection in
            let orders = try await connection.query("""
                SELECT order_number, state, customer_id FROM fulfilment_orders WHERE order_id = \(orderId)
                """, logger: logger)
            var found: (String, String, UUID?)?
            for try await row in orders.decode((String, String, UUID?).self) { found = row }
            guard let (number, state, owner) = found, customer == nil || owner == customer else { return nil }
            let rows = try await connection.query("""
                SELECT \(unescaped: Shipment.columns) FROM shipments s JOIN fulfilment_orders o ON o.order_id = s.order_id
                WHERE s.order_id = \(orderId) ORDER BY s.created_at, s.id
                """, logger: logger)
            var shipments: [Shipment] = []
            for try await row in rows.decode(Shipment.Row.self) { shipments.append(try Shipment(row: row)) }
            return OrderShipments(orderId: OrderID(orderId), orderNumber: number, state: state, shipments: shipments)
        }
    }

    /// An order's shipments, locked, oldest first (for a change from outside, such as the POS).
    func lockedShipments(of orderId: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [Shipment] {
        let rows = try await connection.query("""
            SELECT \(unescaped: Shipment.columns) FROM shipments s JOIN fulfilment_orders o ON o.order_id = s.order_id
            WHERE s.order_id = \(orderId) ORDER BY s.created_at, s.id FOR UPDATE OF s
            """, logger: logger)
        var shipments: [Shipment] = []
        for try await row in rows.decode(Shipment.Row.self) { shipments.append(try Shipment(row: row)) }
        return shipments
    }

    /// Shipments by status, oldest first (the packing queue).
    func list(status: ShipmentStatus?, page: PageRequest, logger: Logger) async throws -> Page<Shipment> {
        try await database.client.withConnection { connection in
            let rows = try await connection.query("""
                SELECT \(unescaped: Shipment.columns) FROM shipments s JOIN fulfilment_orders o ON o.order_id = s.order_id
                WHERE \(status?.rawValue)::text IS NULL OR s.status = \(status?.rawValue) ORDER BY s.created_at, s.id
                LIMIT \(page.size) OFFSET \(page.offset)
                """, logger: logger)
            var items: [Shipment] = []
            for try await row in rows.decode(Shipment.Row.self) { items.append(try Shipment(row: row)) }
            let counted = try await connection.query(
                "SELECT count(*)::int8 FROM shipments WHERE \(status?.rawValue)::text IS NULL OR status = \(status?.rawValue)", logger: logger)
            var total = 0
            for try await count in counted.decode(Int.self) { total = count }
            return Page(items: items, request: page, total: total)
        }
    }

    /// The order as fulfilment keeps it, for the emails about it; nil (with a warning) before
    /// its `order.placed` arrived.
    func snapshot(_ orderId: OrderID, on connection: PostgresConnection, logger: Logger) async throws -> OrderSnapshot? {
        let id = orderId.uuid
        let rows = try await connection.query("""
            SELECT order_number, customer_id, email, payment_method, contact::text, shipping_address::text, lines::text, total::text, payment_due_by
            FROM fulfilment_orders WHERE order_id = \(id)
            """, logger: logger)
        let decoder = EventCoding.decoder
        for try await (number, customer, email, method, contact, address, lines, total, due)
            in rows.decode((String, UUID?, String, String, String?, String?, String, String?, Date?).self) {
            return OrderSnapshot(
                id: id, number: number, customerId: customer, email: email, paymentMethod: method,
                contact: try contact.map { try decoder.decode(ContactDetails.self, from: Data($0.utf8)) },
                address: try address.map { try decoder.decode(ShippingAddress.self, from: Data($0.utf8)) },
                lines: try decoder.decode([PricedLine].self, from: Data(lines.utf8)),
                total: try total.map { try decoder.decode(Money.self, from: Data($0.utf8)) }, paymentDueBy: due)
        }
        logger.warning("no snapshot of the order to write about", metadata: ["order.id": "\(id)"])
        return nil
    }

    // MARK: Staff's moves

    /// Changes a shipment's tracking before it is delivered; answers the shipment after.
    func updateTracking(_ id: UUID, _ tracking: TrackingInput, logger: Logger) async throws -> Shipment {
        try await change(id, logger: logger) { shipment, connection in
            guard shipment.status == .pending || shipment.status == .shipped else {
                throw Self.illegal(shipment, "tracking can change only before delivery")
            }
            try await setTracking(id, tracking, on: connection, logger: logger)
        }
    }

    /// Splits a pending shipment; answers the new one.
    func split(_ id: UUID, quantities: [UUID: Int], correlationId: String?, logger: Logger) async throws -> Shipment {
        let created = try await database.transaction(logger: logger) { connection -> UUID in
            guard let shipment = try await find(id, lock: true, on: connection, logger: logger) else { throw Problem.notFound("That shipment") }
            guard shipment.status == .pending else { throw Self.illegal(shipment, "only a pending shipment can be split") }
            return try await split(shipment, quantities: quantities, correlationId: correlationId, on: connection, logger: logger)
        }
        return try await existing(created, logger: logger)
    }

    /// Marks a shipment shipped, with the tracking given; answers the shipment after.
    func ship(_ id: UUID, tracking: TrackingInput, correlationId: String?, logger: Logger) async throws -> Shipment {
        try await change(id, logger: logger) { shipment, connection in
            guard shipment.status.next.contains(.shipped) else { throw Self.illegal(shipment, "it cannot be shipped") }
            if !tracking.isEmpty { try await setTracking(id, tracking, on: connection, logger: logger) }
            guard let current = try await find(id, on: connection, logger: logger),
                  try await move(current, to: .shipped, correlationId: correlationId, on: connection, logger: logger)
            else { throw Self.illegal(shipment, "it cannot be shipped") }
        }
    }

    /// Marks a shipped shipment delivered; answers the shipment after.
    func deliver(_ id: UUID, correlationId: String?, logger: Logger) async throws -> Shipment {
        try await change(id, logger: logger) { shipment, connection in
            guard try await move(shipment, to: .delivered, correlationId: correlationId, on: connection, logger: logger) else {
                throw Self.illegal(shipment, "it cannot be marked delivered")
            }
        }
    }

    /// The shipment, or 404.
    func existing(_ id: UUID, logger: Logger) async throws -> Shipment {
        guard let shipment = try await find(id, logger: logger) else { throw Problem.notFound("That shipment") }
        return shipment
    }

    /// Runs `body` on the locked shipment in one transaction and answers the shipment after.
    private func change(_ id: UUID, logger: Logger, _ body: (Shipment, PostgresConnection) async throws -> Void) async throws -> Shipment {
        try await database.transaction(logger: logger) { connection in
            guard let shipment = try await find(id, lock: true, on: connection, logger: logger) else { throw Problem.notFound("That shipment") }
            try await body(shipment, connection)
        }
        return try await existing(id, logger: logger)
    }

    /// 409: the shipment cannot do that from its status; names where it can go.
    static func illegal(_ shipment: Shipment, _ why: String) -> Problem {
        let allowed = shipment.status.next.map(\.rawValue).sorted()
        return Problem.illegalTransition("The shipment cannot do that from where it is.",
                                         detail: "This shipment is \(shipment.status.rawValue): \(why). "
                                            + (allowed.isEmpty ? "It is closed." : "It can move to: \(allowed.joined(separator: ", "))."))
    }

    /// Sets the tracking fields given (others are kept) on a shipment that has not arrived.
    func setTracking(_ id: UUID, _ tracking: TrackingInput, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            UPDATE shipments SET carrier = COALESCE(\(tracking.carrier), carrier),
                tracking_number = COALESCE(\(tracking.trackingNumber), tracking_number),
                tracking_url = COALESCE(\(tracking.trackingUrl), tracking_url), updated_at = now()
            WHERE id = \(id)
            """, logger: logger)
    }

    /// Moves `quantities` of a pending shipment's goods into a new pending shipment.
    func split(_ shipment: Shipment, quantities: [UUID: Int], correlationId: String?,
               on connection: PostgresConnection, logger: Logger) async throws -> UUID {
        var errors: [Problem.FieldError] = []
        var moved: [(UUID, ShipmentLine)] = []
        var remaining = 0
        for line in shipment.lines {
            let variant = line.variantId.uuid
            let take = quantities[variant] ?? 0
            if take > line.quantity {
                errors.append(.init(field: "lines", message: "\(line.sku): only \(line.quantity) in this shipment"))
            }
            if take > 0 { moved.append((variant, ShipmentLine(variantId: line.variantId, sku: line.sku, title: line.title, quantity: take))) }
            remaining += line.quantity - min(take, line.quantity)
        }
        let known = Set(shipment.lines.map(\.variantId.uuid))
        for variant in quantities.keys where !known.contains(variant) {
            errors.append(.init(field: "lines", message: "\(variant.uuidString.lowercased()) is not in this shipment"))
        }
        if errors.isEmpty && remaining == 0 {
            errors.append(.init(field: "lines", message: "would move every item; leave at least one in this shipment"))
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        let shipmentId = shipment.id.uuid
        for (variant, line) in moved {
            try await connection.query("""
                UPDATE shipment_lines SET quantity = quantity - \(line.quantity) WHERE shipment_id = \(shipmentId) AND variant_id = \(variant)
                """, logger: logger)
        }
        try await connection.query("DELETE FROM shipment_lines WHERE shipment_id = \(shipmentId) AND quantity = 0", logger: logger)
        return try await create(order: shipment.orderId.uuid, number: shipment.orderNumber, lines: moved, splitFrom: shipmentId,
                                correlationId: correlationId, on: connection, logger: logger)
    }

    /// Moves a shipment to `target` if its status allows; false when it does not.
    func move(_ shipment: Shipment, to target: ShipmentStatus, correlationId: String?,
              on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        guard shipment.status.next.contains(target) else { return false }
        let (id, order) = (shipment.id.uuid, shipment.orderId.uuid)
        let rows = try await connection.query("""
            UPDATE shipments SET status = \(target.rawValue), updated_at = now(),
                shipped_at = CASE WHEN \(target.rawValue) = 'shipped' THEN now() ELSE shipped_at END,
                delivered_at = CASE WHEN \(target.rawValue) = 'delivered' THEN now() ELSE delivered_at END,
                cancelled_at = CASE WHEN \(target.rawValue) = 'cancelled' THEN now() ELSE cancelled_at END
            WHERE id = \(id) AND status = \(shipment.status.rawValue) RETURNING 1
            """, logger: logger)
        var moved = false
        for try await _ in rows.decode(Int.self) { moved = true }
        guard moved else { return false }
        switch target {
        case .shipped:
            let allShipped = try await waiting(order, in: [.pending], on: connection, logger: logger) == 0
            try await outbox.enqueue(ShipmentShipped(shipmentId: shipment.id, orderId: shipment.orderId, orderNumber: shipment.orderNumber,
                                                     lines: shipment.lines, tracking: shipment.tracking, allShipped: allShipped),
                                     subject: shipment.orderId, correlationId: correlationId, on: connection, logger: logger)
        case .delivered:
            let allDelivered = try await waiting(order, in: [.pending, .shipped], on: connection, logger: logger) == 0
            try await outbox.enqueue(ShipmentDelivered(shipmentId: shipment.id, orderId: shipment.orderId, orderNumber: shipment.orderNumber,
                                                       allDelivered: allDelivered),
                                     subject: shipment.orderId, correlationId: correlationId, on: connection, logger: logger)
        case .pending, .cancelled:
            break
        }
        return true
    }

    // MARK: Helpers

    /// How many of the order's shipments are still in one of `statuses`.
    private func waiting(_ order: UUID, in statuses: [ShipmentStatus], on connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await connection.query(
            "SELECT count(*)::int8 FROM shipments WHERE order_id = \(order) AND status = ANY(\(statuses.map(\.rawValue)))", logger: logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    @discardableResult
    private func create(order: UUID, number: String, lines: [(UUID, ShipmentLine)], splitFrom: UUID?, correlationId: String?,
                        on connection: PostgresConnection, logger: Logger) async throws -> UUID {
        let id = UUID()
        try await connection.query("INSERT INTO shipments (id, order_id, split_from) VALUES (\(id), \(order), \(splitFrom))", logger: logger)
        for (variant, line) in lines {
            try await connection.query("""
                INSERT INTO shipment_lines (shipment_id, variant_id, sku, title, quantity)
                VALUES (\(id), \(variant), \(line.sku), \(line.title), \(line.quantity))
                """, logger: logger)
        }
        let subject = OrderID(order)
        try await outbox.enqueue(ShipmentCreated(shipmentId: ShipmentID(id), orderId: subject, orderNumber: number,
                                                 lines: lines.map(\.1), splitFrom: splitFrom.map(ShipmentID.init)),
                                 subject: subject, correlationId: correlationId, on: connection, logger: logger)
        return id
    }
}
