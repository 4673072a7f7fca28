import EventContracts
import Foundation
import Hummingbird
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceKit

/// The stores of the deployment, in the gateway's schema: creating one (announced as
/// ``StoreCreated`` for every service to set up its part), its provisioning receipts, its
/// status, its publishable key.
struct StoreRegistry: Sendable {
    let database: Database
    let outbox: Outbox
    /// How long a new owner's invitation works.
    var invitationLifetime: TimeInterval = 7 * 86_400
    /// The admin page that accepts invitations (`<url>?token=…`), if the deployment has one.
    var invitationURL: String?

    /// The services that set up a new store; it opens once each has answered.
    static let participants = ["catalog", "checkout", "fulfillment", "orders", "payments"]

    private static let columns = """
        s.id, s.status, s.name, s.slug, s.country, s.currency, s.language, s.time_zone, s.order_prefix, s.publishable_key,
        s.owner_email, s.suspended_reason, s.created_at,
        coalesce((SELECT array_agg(p.service ORDER BY p.service) FROM store_provisioning p WHERE p.store_id = s.id), '{}'),
        s.support_email, s.low_stock_threshold, s.order_numbers
        """
    private typealias Row = (UUID, String, String, String, String, String, String, String, String, String, String?, String?, Date, [String],
                             String?, Int?, String?)

    private static func store(_ row: Row) -> Store {
        Store(id: StoreID(row.0), status: Store.Status(rawValue: row.1) ?? .suspended,
              settings: StoreSettings(name: row.2, slug: row.3, country: row.4, currency: row.5, language: row.6,
                                      timeZone: row.7, orderPrefix: row.8, supportEmail: row.14, lowStockThreshold: row.15,
                                      orderNumbers: row.16.flatMap(OrderNumberStyle.init(rawValue:))),
              publishableKey: row.9, ownerEmail: row.10, suspendedReason: row.11, provisioned: row.13, createdAt: row.12)
    }

    /// Creates a store in `provisioning` and announces it, in one transaction; 409 naming the
    /// field when the slug or the order-number prefix is taken.
    func create(_ settings: StoreSettings, ownerEmail: String, correlationId: String?, logger: Logger) async throws -> Store {
        let id = StoreID.new()
        let key = PublishableKey.generate()
        do {
            try await database.transaction(logger: logger) { connection in
                try await connection.query("""
                    INSERT INTO stores (id, slug, name, status, country, currency, language, time_zone, order_prefix, owner_email, publishable_key,
                                        support_email, low_stock_threshold, order_numbers)
                    VALUES (\(id.uuid), \(settings.slug), \(settings.name), 'provisioning', \(settings.country), \(settings.currency),
                            \(settings.language), \(settings.timeZone), \(settings.orderPrefix), \(ownerEmail), \(key),
                            \(settings.supportEmail), \(settings.lowStockThreshold), \(settings.orderNumbers?.rawValue))
                    """, logger: logger)
                try await StoreScope.run(for: id) {
                    try await outbox.enqueue(StoreCreated(storeId: id, settings: settings, ownerEmail: ownerEmail), subject: id,
                                             correlationId: correlationId, to: .platform, on: connection, logger: logger)
                    try await makeOwner(ownerEmail, of: id, settings: settings, correlationId: correlationId, on: connection, logger: logger)
                }
            }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw Self.taken(error)
        }
        guard let store = try await find(id: id, logger: logger) else { throw Problem.notFound("The store") }
        return store
    }

    /// 409 naming the slug or order-number prefix another store has.
    private static func taken(_ error: PSQLError) -> Problem {
        let constraint = error.serverInfo?[.constraintName] ?? ""
        let field = constraint.contains("prefix") ? "order_prefix" : "slug"
        return Problem(status: .conflict, type: "store-exists", title: "Another store has this \(field == "slug" ? "slug" : "order-number prefix").",
                       errors: [.init(field: field, message: "is taken by another store")])
    }

    /// Replaces the settings of store `id` and announces them (``StoreSettingsChanged``) in
    /// one transaction; nil when there is no such store.
    func updateSettings(_ id: StoreID, to settings: StoreSettings, correlationId: String?, logger: Logger) async throws -> Store? {
        do {
            let found = try await database.transaction(logger: logger) { connection -> Bool in
                let rows = try await connection.query("""
                    UPDATE stores SET name = \(settings.name), language = \(settings.language), time_zone = \(settings.timeZone),
                        order_prefix = \(settings.orderPrefix), support_email = \(settings.supportEmail),
                        low_stock_threshold = \(settings.lowStockThreshold), order_numbers = \(settings.orderNumbers?.rawValue), updated_at = now()
                    WHERE id = \(id.uuid) RETURNING id
                    """, logger: logger)
                var found = false
                for try await _ in rows.decode(UUID.self) { found = true }
                guard found else { return false }
                try await StoreScope.run(for: id) {
                    try await outbox.enqueue(StoreSettingsChanged(storeId: id, settings: settings), subject: id,
                                             correlationId: correlationId, to: .platform, on: connection, logger: logger)
                }
                return true
            }
            guard found else { return nil }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw Self.taken(error)
        }
        return try await find(id: id, logger: logger)
    }

    /// Makes `email` the owner of the new store: their staff account if they have one, else a
    /// new one waiting for its password. One waiting for its password is invited by email
    /// (``StaffInvited``, a single-use token that sets the password).
    private func makeOwner(_ email: String, of store: StoreID, settings: StoreSettings, correlationId: String?,
                           on connection: PostgresConnection, logger: Logger) async throws {
        let name = String(email.split(separator: "@").first ?? "Owner")
        let rows = try await connection.query("""
            WITH existing AS (
                SELECT id, password_hash IS NULL AS waiting FROM staff_users WHERE lower(email) = lower(\(email)) AND removed_at IS NULL),
            created AS (
                INSERT INTO staff_users (id, email, password_hash, name, role, platform_admin)
                SELECT \(UUID()), lower(\(email)), NULL, \(name), 'staff', false WHERE NOT EXISTS (SELECT 1 FROM existing)
                RETURNING id, true AS waiting),
            owner AS (SELECT id, waiting FROM existing UNION ALL SELECT id, waiting FROM created),
            membership AS (INSERT INTO store_memberships (store_id, staff_id, role) SELECT \(store.uuid), id, 'owner' FROM owner)
            SELECT id, waiting FROM owner
            """, logger: logger)
        for try await (owner, waiting) in rows.decode((UUID, Bool).self) where waiting {
            let token = OpaqueToken.generate()
            let expires = Date().addingTimeInterval(invitationLifetime)
            try await connection.query("""
                INSERT INTO staff_invitations (token_hash, staff_id, expires_at) VALUES (\(OpaqueToken.hash(token.value)), \(owner), \(expires))
                """, logger: logger)
            try await outbox.enqueue(
                StaffInvited(staffId: owner, email: email.lowercased(), storeId: store, storeName: settings.name, role: "owner",
                             language: settings.language, invitationToken: token.value, expiresAt: expires,
                             acceptUrl: invitationURL.map { "\($0)?token=\(token.value)" }),
                subject: owner.uuidString.lowercased(), correlationId: correlationId, on: connection, logger: logger)
        }
    }

    func find(id: StoreID, logger: Logger) async throws -> Store? {
        try await first("SELECT \(unescaped: Self.columns) FROM stores s WHERE s.id = \(id.uuid)", logger: logger)
    }

    func find(publishableKey: String, logger: Logger) async throws -> Store? {
        try await first("SELECT \(unescaped: Self.columns) FROM stores s WHERE s.publishable_key = \(publishableKey)", logger: logger)
    }

    func find(slug: String, logger: Logger) async throws -> Store? {
        try await first("SELECT \(unescaped: Self.columns) FROM stores s WHERE s.slug = \(slug)", logger: logger)
    }

    /// Every store, oldest first.
    func list(logger: Logger) async throws -> [Store] {
        let rows = try await database.client.query("SELECT \(unescaped: Self.columns) FROM stores s ORDER BY s.created_at, s.id", logger: logger)
        var stores: [Store] = []
        for try await row in rows.decode(Row.self) { stores.append(Self.store(row)) }
        return stores
    }

    /// Records that `service` has set up `store`; opens the store (and announces it) when that
    /// was the last one. Repeated receipts change nothing.
    func recordReceipt(store: StoreID, service: String, on connection: PostgresConnection, logger: Logger) async throws {
        // One receipt at a time per store: each then counts the others' (two receipts counting
        // in parallel could each miss the other, and the store would never open).
        try await connection.query("SELECT 1 FROM stores WHERE id = \(store.uuid) FOR UPDATE", logger: logger)
        try await connection.query("""
            INSERT INTO store_provisioning (store_id, service) SELECT id, \(service) FROM stores WHERE id = \(store.uuid)
            ON CONFLICT DO NOTHING
            """, logger: logger)
        let opened = try await connection.query("""
            UPDATE stores SET status = 'active', updated_at = now()
            WHERE id = \(store.uuid) AND status = 'provisioning'
              AND (SELECT count(*) FROM store_provisioning WHERE store_id = \(store.uuid) AND service = ANY(\(Self.participants))) = \(Self.participants.count)
            RETURNING id
            """, logger: logger)
        for try await _ in opened.decode(UUID.self) {
            try await outbox.enqueue(StoreStatusChanged(storeId: store, status: "active"), subject: store, correlationId: nil,
                                     to: .platform, on: connection, logger: logger)
        }
    }

    /// Suspends an open store, or resumes a suspended one, and announces it; nil when there is
    /// no such store, 409 while it is being set up. A store already in `status` stays as it is.
    func setStatus(_ id: StoreID, to status: Store.Status, reason: String?, correlationId: String?, logger: Logger) async throws -> Store? {
        let from: Store.Status = status == .suspended ? .active : .suspended
        let changed = try await database.transaction(logger: logger) { connection -> Bool? in
            let rows = try await connection.query("SELECT status FROM stores WHERE id = \(id.uuid) FOR UPDATE", logger: logger)
            var current: String?
            for try await value in rows.decode(String.self) { current = value }
            guard let current else { return nil }
            if current == status.rawValue { return false }
            guard current == from.rawValue else {
                throw Problem(status: .conflict, type: "store-status", title: "The store cannot be \(status.rawValue) now.",
                              detail: "It is \(current).")
            }
            try await connection.query("""
                UPDATE stores SET status = \(status.rawValue), suspended_reason = \(status == .suspended ? reason : nil), updated_at = now()
                WHERE id = \(id.uuid)
                """, logger: logger)
            try await StoreScope.run(for: id) {
                try await outbox.enqueue(StoreStatusChanged(storeId: id, status: status.rawValue, reason: reason), subject: id,
                                         correlationId: correlationId, to: .platform, on: connection, logger: logger)
            }
            return true
        }
        guard changed != nil else { return nil }
        return try await find(id: id, logger: logger)
    }

    /// Gives the store a new publishable key; the old one stops naming it at once.
    func rotateKey(_ id: StoreID, logger: Logger) async throws -> Store? {
        try await database.client.query(
            "UPDATE stores SET publishable_key = \(PublishableKey.generate()), updated_at = now() WHERE id = \(id.uuid)", logger: logger)
        return try await find(id: id, logger: logger)
    }

    /// The role `staff` has in `store` (`owner`, `admin`, `staff`); nil when not a member.
    func membershipRole(_ staff: UUID, in store: StoreID, logger: Logger) async throws -> String? {
        let rows = try await database.client.query(
            "SELECT role FROM store_memberships WHERE store_id = \(store.uuid) AND staff_id = \(staff)", logger: logger)
        for try await role in rows.decode(String.self) { return role }
        return nil
    }

    private func first(_ query: PostgresQuery, logger: Logger) async throws -> Store? {
        let rows = try await database.client.query(query, logger: logger)
        for try await row in rows.decode(Row.self) { return Self.store(row) }
        return nil
    }
}
