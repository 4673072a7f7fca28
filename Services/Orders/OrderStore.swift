import EventContracts
import Foundation
import Logging
import Messaging
import Money
import Persistence
import PostgresNIO
import ServiceKit

/// The orders in the database. Every status change goes through ``move(_:to:actor:note:correlationId:on:logger:)``:
/// one conditional update from the states allowed to reach the target, its timeline entry,
/// and its events, in the caller's transaction.
struct OrderStore: Sendable {
    let database: Database
    let outbox: Outbox
    let numbers: OrderNumber

    /// Creates the order of a placed checkout (once: a redelivered placement changes nothing)
    /// and announces it; a cash-on-delivery order is confirmed at once and its goods sold.
    func place(_ placed: CheckoutPlaced, correlationId: String?, on connection: PostgresConnection, logger: Logger) async throws {
        let checkout = placed.checkoutId.uuid
        let id = UUID()
        let number = try await numbers.next(on: connection, logger: logger)
        let cod = placed.paymentMethod == .cod
        let status: OrderStatus = cod ? .confirmed : .pendingPayment
        let encoder = JSONEncoder()
        func json(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        let customer = placed.customerId
        let note = cod ? "Placed; cash on delivery" : "Placed; awaiting payment"
        // The order and its first timeline entry in one round trip; a checkout already placed
        // (the same placement under another event id) inserts nothing and ends here. Its
        // number is then a gap, as a rolled-back placement's is.
        let created = try await connection.query("""
            WITH created AS (
                INSERT INTO orders (id, number, checkout_id, customer_id, email, phone, contact, shipping_address, lines, price, currency,
                                    total_minor, voucher_code, payment_method, status, payment_status, page, answers, billing_address, customer_note)
                VALUES (\(id), \(number), \(checkout), \(customer), \(placed.contact.email), \(placed.contact.phone), \(try json(placed.contact))::jsonb,
                        \(try json(placed.shippingAddress))::jsonb, \(try json(placed.lines))::jsonb, \(try json(placed.price))::jsonb,
                        \(placed.price.total.currency.code), \(placed.price.total.minorUnits), \(placed.voucherCode), \(placed.paymentMethod),
                        \(status.rawValue), \(cod ? "collect_on_delivery" : "unpaid"), \(try placed.page.map { try json($0) })::jsonb,
                        \(try placed.answers.map { try json($0) })::jsonb, \(try placed.billingAddress.map { try json($0) })::jsonb,
                        \(placed.customerNote))
                ON CONFLICT (checkout_id) DO NOTHING RETURNING id),
            noted AS (
                INSERT INTO order_timeline (order_id, kind, from_status, to_status, actor, note)
                SELECT id, 'status', NULL, \(status.rawValue), 'checkout', \(note) FROM created)
            SELECT count(*)::int FROM created
            """, logger: logger)
        for try await count in created.decode(Int.self) where count == 0 { return }
        if let customer {
            try await connection.query("""
                INSERT INTO customer_stats (customer_id, currency, order_count, last_order_at) VALUES (\(customer), \(placed.price.total.currency.code), 1, now())
                ON CONFLICT (customer_id, currency, store_id) DO UPDATE SET order_count = customer_stats.order_count + 1, last_order_at = now()
                """, logger: logger)
        }
        let orderId = OrderID(id), subject = orderId.description
        try await outbox.enqueue(
            OrderPlaced(orderId: orderId, orderNumber: number, checkoutId: placed.checkoutId, customerId: placed.customerId,
                        email: placed.contact.email, paymentMethod: placed.paymentMethod, total: placed.price.total, status: status.rawValue,
                        paymentDueBy: placed.paymentDueBy, lines: placed.lines, contact: placed.contact,
                        shippingAddress: placed.shippingAddress, page: placed.page, answers: placed.answers,
                        billingAddress: placed.billingAddress ?? placed.shippingAddress, customerNote: placed.customerNote),
            subject: subject, correlationId: correlationId, on: connection, logger: logger)
        if cod {
            try await outbox.enqueue(OrderSettled(orderId: orderId, orderNumber: number, checkoutId: placed.checkoutId, status: status.rawValue),
                                     subject: subject, correlationId: correlationId, on: connection, logger: logger)
        }
    }

    /// Moves an order to `target` if its status allows it. Returns the order as it was, or
    /// nil when the move is not allowed (nothing changes).
    @discardableResult
    func move(_ id: UUID, to target: OrderStatus, actor: String, note: String?, paymentStatus: String? = nil, cancelReason: String? = nil,
              correlationId: String?, on connection: PostgresConnection, logger: Logger) async throws -> Order? {
        // The check, the update and its timeline entry in one round trip: the order as it was
        // comes back only when it moved.
        let rows = try await connection.query("""
            WITH before AS (SELECT \(unescaped: Order.columns) FROM orders WHERE id = \(id) FOR UPDATE),
            moved AS (
                UPDATE orders o SET status = \(target.rawValue),
                    payment_status = coalesce(\(paymentStatus), CASE WHEN \(target == .cancelled) AND b.payment_status IN ('paid', 'partially_refunded')
                                                                    THEN 'refund_due' ELSE b.payment_status END),
                    cancel_reason = coalesce(\(cancelReason), o.cancel_reason), updated_at = now()
                FROM before b WHERE o.id = b.id AND b.status = ANY(\(OrderStatus.sources(of: target)))
                RETURNING o.id, b.status),
            noted AS (
                INSERT INTO order_timeline (order_id, kind, from_status, to_status, actor, note)
                SELECT id, 'status', status, \(target.rawValue), \(actor), \(note) FROM moved)
            SELECT before.* FROM before WHERE EXISTS (SELECT 1 FROM moved)
            """, logger: logger)
        var moved: Order?
        for try await row in rows.decode(Order.Row.self) { moved = try Order(row: row) }
        guard let before = moved else { return nil }
        let subject = before.id.description
        if before.status != target {
            try await outbox.enqueue(
                OrderStatusChanged(orderId: before.id, orderNumber: before.number, checkoutId: before.checkoutId, from: before.status.rawValue,
                                   to: target.rawValue, actor: actor, paymentMethod: before.paymentMethod),
                subject: subject, correlationId: correlationId, on: connection, logger: logger)
        }
        switch target {
        case .paid:
            try await outbox.enqueue(OrderSettled(orderId: before.id, orderNumber: before.number, checkoutId: before.checkoutId, status: "paid"),
                                     subject: subject, correlationId: correlationId, on: connection, logger: logger)
        case .cancelled:
            try await outbox.enqueue(
                OrderCancelled(orderId: before.id, orderNumber: before.number, checkoutId: before.checkoutId, reason: cancelReason ?? actor),
                subject: subject, correlationId: correlationId, on: connection, logger: logger)
        default: break
        }
        return before
    }

    /// A customer cancels their own order before fulfilment starts. Someone else's order is
    /// 404, one past the point of cancelling 409; answers the order as it is now.
    func cancel(_ id: UUID, forCustomer customer: UUID, correlationId: String?, logger: Logger) async throws -> Order {
        guard let order = try await detail(id, logger: logger), order.customerId?.uuid == customer else { throw Problem.notFound("That order") }
        guard order.status.customerMayCancel else {
            throw Problem(status: .conflict, type: "order-not-cancellable", title: "This order can no longer be cancelled.",
                          detail: "It is \(order.status.rawValue); orders can be cancelled until fulfilment starts.")
        }
        try await database.transaction(logger: logger) { connection in
            guard try await move(id, to: .cancelled, actor: "customer", note: "Cancelled by the customer", cancelReason: "customer",
                                 correlationId: correlationId, on: connection, logger: logger) != nil else {
                throw Problem(status: .conflict, type: "order-not-cancellable", title: "This order can no longer be cancelled.")
            }
        }
        return try await existing(id, logger: logger)
    }

    /// Staff move an order along the allowed transitions (409 naming where it may go from
    /// where it is); answers the order as it is now.
    func move(_ id: UUID, to target: OrderStatus, byStaff actor: String, note: String?, correlationId: String?, logger: Logger) async throws -> Order {
        try await database.transaction(logger: logger) { connection in
            guard let current = try await find(id, on: connection, logger: logger) else { throw Problem.notFound("That order") }
            guard try await move(id, to: target, actor: actor, note: note, cancelReason: target == .cancelled ? "staff" : nil,
                                 correlationId: correlationId, on: connection, logger: logger) != nil else {
                throw Problem.illegalTransition("The order cannot move there from where it is.",
                                                detail: "An order that is \(current.status.rawValue) can move to: "
                                                    + current.status.next.map(\.rawValue).sorted().joined(separator: ", ") + ".",
                                                errors: [.init(field: "status", message: "cannot go from \(current.status.rawValue) to \(target.rawValue)")])
            }
        }
        return try await existing(id, logger: logger)
    }

    /// Adds a staff note to an order's timeline; answers the order as it is now.
    func addNote(_ note: String?, to id: UUID, by actor: String, logger: Logger) async throws -> Order {
        try await database.transaction(logger: logger) { connection in
            guard try await find(id, on: connection, logger: logger) != nil else { throw Problem.notFound("That order") }
            try await timeline(id, kind: "note", from: nil, to: nil, actor: actor, note: note, on: connection, logger: logger)
        }
        return try await existing(id, logger: logger)
    }

    /// The order with its timeline, or 404.
    func existing(_ id: UUID, logger: Logger) async throws -> Order {
        guard let order = try await detail(id, logger: logger) else { throw Problem.notFound("That order") }
        return order
    }

    /// Records something about the payment without a status move.
    func paymentNote(_ id: UUID, paymentStatus: String?, note: String, actor: String, on connection: PostgresConnection, logger: Logger) async throws {
        if let paymentStatus {
            try await connection.query("UPDATE orders SET payment_status = \(paymentStatus), updated_at = now() WHERE id = \(id)", logger: logger)
        }
        try await timeline(id, kind: "payment", from: nil, to: nil, actor: actor, note: note, on: connection, logger: logger)
    }

    /// Adds money to (or, for refunds, takes it from) a customer's lifetime spend.
    func addSpend(_ amount: Money, customer: CustomerID?, on connection: PostgresConnection, logger: Logger) async throws {
        guard let customer else { return }
        try await connection.query("""
            INSERT INTO customer_stats (customer_id, currency, lifetime_spend_minor) VALUES (\(customer), \(amount.currency.code), \(amount.minorUnits))
            ON CONFLICT (customer_id, currency, store_id) DO UPDATE SET lifetime_spend_minor = customer_stats.lifetime_spend_minor + excluded.lifetime_spend_minor
            """, logger: logger)
    }

    /// Gives `customer` the guest orders placed with `email`: each gets a timeline note and
    /// the customer's statistics count them (spend: what was paid and not refunded).
    func claimGuestOrders(email: String, customer: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query("""
            UPDATE orders SET customer_id = \(customer), updated_at = now()
            WHERE customer_id IS NULL AND lower(email) = lower(\(email))
            RETURNING id, currency, total_minor - refunded_minor, payment_status IN ('paid', 'partially_refunded', 'refunded'), created_at
            """, logger: logger)
        var claimed: [(UUID, String, Int64, Bool, Date)] = []
        for try await row in rows.decode((UUID, String, Int64, Bool, Date).self) { claimed.append(row) }
        for (id, currency, kept, paid, createdAt) in claimed {
            try await timeline(id, kind: "note", from: nil, to: nil, actor: "customer:\(customer.uuidString.lowercased())",
                               note: "Joined the account of the customer who verified \(email)", on: connection, logger: logger)
            try await connection.query("""
                INSERT INTO customer_stats (customer_id, currency, order_count, lifetime_spend_minor, last_order_at)
                VALUES (\(customer), \(currency), 1, \(paid ? kept : 0), \(createdAt))
                ON CONFLICT (customer_id, currency, store_id) DO UPDATE SET order_count = customer_stats.order_count + 1,
                    lifetime_spend_minor = customer_stats.lifetime_spend_minor + excluded.lifetime_spend_minor,
                    last_order_at = greatest(customer_stats.last_order_at, excluded.last_order_at)
                """, logger: logger)
        }
        if !claimed.isEmpty { logger.info("guest orders joined an account", metadata: ["customer.id": "\(customer)", "count": "\(claimed.count)"]) }
    }

    func timeline(_ id: UUID, kind: String, from: String?, to: String?, actor: String, note: String?,
                  on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO order_timeline (order_id, kind, from_status, to_status, actor, note) VALUES (\(id), \(kind), \(from), \(to), \(actor), \(note))
            """, logger: logger)
    }

    /// The order placed from `checkout`, if there is one.
    func orderId(checkout: UUID, on connection: PostgresConnection, logger: Logger) async throws -> UUID? {
        let rows = try await connection.query("SELECT id FROM orders WHERE checkout_id = \(checkout)", logger: logger)
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }

    /// Records how much of the order has been refunded in all.
    func recordRefunded(_ total: Money, order id: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("UPDATE orders SET refunded_minor = \(total.minorUnits) WHERE id = \(id)", logger: logger)
    }

    func find(_ id: UUID, lock: Bool = false, on connection: PostgresConnection, logger: Logger) async throws -> Order? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Order.columns) FROM orders WHERE id = \(id) \(unescaped: lock ? "FOR UPDATE" : "")", logger: logger)
        for try await row in rows.decode(Order.Row.self) { return try Order(row: row) }
        return nil
    }

    /// The order with its timeline.
    func detail(_ id: UUID, logger: Logger) async throws -> Order? {
        try await database.client.withConnection { connection in
            guard var order = try await find(id, on: connection, logger: logger) else { return nil }
            let rows = try await connection.query("""
                SELECT at, kind, from_status, to_status, actor, note FROM order_timeline WHERE order_id = \(id) ORDER BY id
                """, logger: logger)
            var entries: [TimelineEntry] = []
            for try await (at, kind, from, to, actor, note) in rows.decode((Date, String, String?, String?, String, String?).self) {
                entries.append(TimelineEntry(at: at, kind: kind, from: from, to: to, actor: actor, note: note))
            }
            order.timeline = entries
            return order
        }
    }

    /// A guest's order, found by its number and the email it was placed with (any case).
    func lookup(number: String, email: String, logger: Logger) async throws -> Order? {
        let rows = try await database.client.query("""
            SELECT id FROM orders WHERE number = \(number.uppercased()) AND lower(email) = lower(\(email))
            """, logger: logger)
        var found: UUID?
        for try await id in rows.decode(UUID.self) { found = id }
        guard let found else { return nil }
        return try await detail(found, logger: logger)
    }

    /// Filters for lists.
    struct Filter: Sendable {
        var customer: UUID?
        var status: String?
        var paymentStatus: String?
        var from: Date?
        var to: Date?
        var text: String?
        var sort: String = "newest"
    }

    static let sorts = ["newest": "created_at DESC, id", "oldest": "created_at, id", "total_desc": "total_minor DESC, id",
                        "total_asc": "total_minor, id"]

    func list(_ filter: Filter, page: PageRequest, logger: Logger) async throws -> Page<Order> {
        var bindings = PostgresBindings()
        var conditions: [String] = []
        func bind(_ value: some PostgresNonThrowingEncodable & Sendable, _ condition: (String) -> String) {
            bindings.append(value)
            conditions.append(condition("$\(bindings.count)"))
        }
        if let customer = filter.customer { bind(customer) { "customer_id = \($0)" } }
        if let status = filter.status { bind(status) { "status = \($0)" } }
        if let paymentStatus = filter.paymentStatus { bind(paymentStatus) { "payment_status = \($0)" } }
        if let from = filter.from { bind(from) { "created_at >= \($0)" } }
        if let to = filter.to { bind(to) { "created_at < \($0)" } }
        if let text = filter.text {
            let pattern = "%" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
            bind(pattern) { "(number ILIKE \($0) OR email ILIKE \($0) OR phone ILIKE \($0))" }
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let order = Self.sorts[filter.sort] ?? Self.sorts["newest"]!
        var pageBindings = bindings
        pageBindings.append(page.size)
        pageBindings.append(page.offset)
        let sql = """
            SELECT \(Order.columns) FROM orders \(whereClause) ORDER BY \(order)
            LIMIT $\(pageBindings.count - 1) OFFSET $\(pageBindings.count)
            """
        return try await database.client.withConnection { connection in
            var orders: [Order] = []
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: pageBindings), logger: logger).decode(Order.Row.self) {
                orders.append(try Order(row: row))
            }
            var total = 0
            let counted = try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int8 FROM orders \(whereClause)", binds: bindings),
                                                     logger: logger)
            for try await count in counted.decode(Int.self) { total = count }
            return Page(items: orders, request: page, total: total)
        }
    }

    /// Sales since `since`, per store the task sees (its own, or every store across stores),
    /// stores in id order.
    func figures(since: Date, logger: Logger) async throws -> [SalesFigures] {
        let rows = try await database.client.query("""
            SELECT store_id, currency, count(*)::int8, (count(*) FILTER (WHERE status = 'cancelled'))::int8,
                   coalesce(sum(total_minor - refunded_minor) FILTER (WHERE status <> 'cancelled'), 0)::int8
            FROM orders WHERE created_at >= \(since)
            GROUP BY store_id, currency ORDER BY store_id, currency
            """, logger: logger)
        var byStore: [(StoreID, [(currency: String, orders: Int, cancelled: Int, revenue: Int64)])] = []
        for try await (store, currency, orders, cancelled, revenue) in rows.decode((UUID, String, Int, Int, Int64).self) {
            let row = (currency: currency, orders: orders, cancelled: cancelled, revenue: revenue)
            if byStore.last?.0.uuid == store { byStore[byStore.count - 1].1.append(row) } else { byStore.append((StoreID(store), [row])) }
        }
        return try byStore.map { try SalesFigures(store: $0.0, rows: $0.1) }
    }

    /// The customer's figures in the task's store; nil when the store has no order from them.
    func stats(customer: UUID, logger: Logger) async throws -> CustomerStats? {
        let rows = try await database.client.query("""
            SELECT currency, order_count, lifetime_spend_minor, last_order_at FROM customer_stats WHERE customer_id = \(customer) ORDER BY currency
            """, logger: logger)
        var stats = CustomerStats(customerId: customer.uuidString.lowercased(), orderCount: 0, lifetimeSpend: [], lastOrderAt: nil)
        for try await (currency, count, spend, last) in rows.decode((String, Int, Int64, Date?).self) {
            stats.orderCount += count
            stats.lifetimeSpend.append(Money(minorUnits: spend, currency: try Currency(stored: currency)))
            if let last, last > (stats.lastOrderAt ?? .distantPast) { stats.lastOrderAt = last }
        }
        return stats.lifetimeSpend.isEmpty ? nil : stats
    }
}
