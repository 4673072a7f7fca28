import EventContracts
import Foundation
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceKit

/// Checkout's copy of each cart, built from the catalog's `cart.updated` snapshots (the
/// highest version wins), so that placing an order never calls the catalog.
struct CartReplicaStore: Sendable {
    struct Cart: Sendable {
        var id: UUID
        var customerId: UUID?
        var guestTokenDigest: String?
        var status: String
        var version: Int
        var currency: String?
        var voucherCode: String?
        var lines: [CartLineSnapshot]
        /// A checkout of this very version completed: the catalog closed the cart then, and
        /// publishes no snapshot for that (only a cart given back gets a new version).
        var checkedOut = false

        /// `active`, or why the cart cannot be checked out (`checked_out`, `merged`).
        var effectiveStatus: String { checkedOut ? "checked_out" : status }

        /// Whether `caller` holds this cart: its customer, or whoever presents the guest token.
        func isHeld(by caller: CallerIdentity, guestTokenDigest presented: String?) -> Bool {
            if let customerId { return caller.customerId == customerId }
            guard let digest = guestTokenDigest, let presented else { return false }
            return digest == presented
        }
    }

    let database: Database
    /// Rung with `cart:<id>` when a newer snapshot lands (its version as the note), for
    /// checkouts waiting on it.
    let changes: ChangeFeed

    /// Keeps the snapshot unless the replica already has a newer version.
    func apply(_ snapshot: CartUpdated, on connection: PostgresConnection, logger: Logger) async throws {
        let id = snapshot.cartId.uuid
        let customer = snapshot.customerId?.uuid
        let lines = String(decoding: try JSONEncoder().encode(snapshot.lines), as: UTF8.self)
        try await connection.query("""
            WITH kept AS (
            INSERT INTO cart_replicas (cart_id, customer_id, guest_token_digest, status, version, currency, voucher_code, lines)
            VALUES (\(id), \(customer), \(snapshot.guestTokenDigest), \(snapshot.status), \(snapshot.version), \(snapshot.currency),
                    \(snapshot.voucherCode), \(lines)::jsonb)
            ON CONFLICT (cart_id) DO UPDATE SET customer_id = excluded.customer_id, guest_token_digest = excluded.guest_token_digest,
                status = excluded.status, version = excluded.version, currency = excluded.currency, voucher_code = excluded.voucher_code,
                lines = excluded.lines, updated_at = now()
            WHERE cart_replicas.version < excluded.version
            RETURNING version)
            SELECT pg_notify(\(changes.channel), \(Self.changeKey(id)) || ' ' || version) FROM kept
            """, logger: logger)
    }

    /// The cart `checkout` names, if `caller` may check it out as it is: 409 while its latest
    /// change has not arrived or once it is closed, 404 when someone else holds it, 422 when
    /// it is empty or has digital goods for cash on delivery.
    func cart(for checkout: CheckoutRequest, id: UUID, caller: CallerIdentity, guestTokenDigest digest: String?,
              on connection: PostgresConnection, logger: Logger) async throws -> Cart {
        guard let cart = try await find(id, on: connection, logger: logger) else {
            throw Problem(status: .conflict, type: "cart-not-ready", title: "The cart is not known to checkout yet.",
                          detail: "Its latest change is still on its way; retry in a moment.",
                          errors: [.init(field: "cart_id", message: "is not known yet")])
        }
        guard cart.isHeld(by: caller, guestTokenDigest: digest) else { throw Problem.notFound("That cart") }
        if let version = checkout.cartVersion, cart.version < version {
            throw Problem(status: .conflict, type: "cart-not-ready", title: "The cart's latest change has not reached checkout yet.",
                          detail: "Checkout has version \(cart.version); retry in a moment.",
                          errors: [.init(field: "cart_version", message: "is newer than checkout has seen")])
        }
        guard cart.effectiveStatus == "active" else {
            throw Problem(status: .conflict, type: "cart-closed", title: "The cart was already checked out or merged.",
                          errors: [.init(field: "cart_id", message: "is \(cart.effectiveStatus)")])
        }
        guard !cart.lines.isEmpty else { throw Problem.validation([.init(field: "cart_id", message: "the cart is empty")]) }
        if checkout.method == .cod, cart.lines.contains(where: { $0.digital == true }) {
            throw Problem.validation([.init(field: "payment_method",
                                            message: "cash on delivery is not offered for digital goods; pay by bank transfer or card")])
        }
        return cart
    }

    func find(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Cart? {
        let rows = try await connection.query("""
            SELECT r.customer_id, r.guest_token_digest, r.status, r.version, r.currency, r.voucher_code, r.lines::text,
                   EXISTS (SELECT 1 FROM checkouts c WHERE c.cart_id = r.cart_id AND c.cart_version = r.version AND c.status = 'completed')
            FROM cart_replicas r WHERE r.cart_id = \(id)
            """, logger: logger)
        for try await (customer, digest, status, version, currency, voucher, lines, checkedOut)
            in rows.decode((UUID?, String?, String, Int, String?, String?, String, Bool).self) {
            return Cart(id: id, customerId: customer, guestTokenDigest: digest, status: status, version: version, currency: currency,
                        voucherCode: voucher, lines: try JSONDecoder().decode([CartLineSnapshot].self, from: Data(lines.utf8)),
                        checkedOut: checkedOut)
        }
        return nil
    }

    /// Waits up to `patience` for the replica to hold the cart at `version` or later (the
    /// catalog's snapshot may still be on its way), woken by the change feed when a snapshot
    /// lands; a ring that names a version late enough ends the wait without reading again.
    /// Returns without judging; the caller reads the replica in its own transaction.
    func awaitVersion(_ id: UUID, atLeast version: Int?, patience: Duration, logger: Logger) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + patience
        let wanted = version ?? 0
        let watch = changes.watch(Self.changeKey(id))
        defer { watch.cancel() }
        while true {
            let rows = try await database.client.query("SELECT version FROM cart_replicas WHERE cart_id = \(id)", logger: logger)
            var current: Int?
            for try await value in rows.decode(Int.self) { current = value }
            if let current, current >= wanted { return }
            let remaining = deadline - clock.now
            guard remaining > .zero else { return }
            if let landed = await watch.wait(upTo: min(remaining, .milliseconds(500))).flatMap(Int.init), landed >= wanted { return }
        }
    }

    private static func changeKey(_ id: UUID) -> String { "cart:" + id.uuidString.lowercased() }
}
