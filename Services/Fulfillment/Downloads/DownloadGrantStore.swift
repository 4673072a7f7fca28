import EventContracts
import Foundation
import Hummingbird
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceKit

/// The right to download one digital line of one paid order until it expires: made when the
/// order is paid, revoked when it is cancelled or fully refunded, counted at each download.
/// Links to it carry its expiry and are signed (``LinkSigner``) over grant and expiry.
struct DownloadGrantStore: Sendable {
    let database: Database
    let signer: LinkSigner
    /// How long links work after payment.
    let lifetime: Duration
    /// Where links point: the gateway's `/api/fulfillment/downloads` (or a storefront page
    /// that calls it).
    let linkBase: String

    /// A download as its buyer sees it.
    struct Download: ResponseEncodable, Sendable {
        var id: String
        var title: String
        var status: String
        var expiresAt: Date
        var downloads: Int
        /// Only while the download is `active`.
        var url: String?
    }

    /// A link to put in an email.
    struct Link: Sendable {
        var title: String
        var url: String
        var expiresAt: Date
    }

    /// Everything needed to decide whether one request may have the file.
    struct Grant: Sendable {
        var id: UUID
        var orderId: UUID
        var orderNumber: String
        var customerId: UUID?
        var email: String
        var title: String
        var fileReference: String
        var expiresAt: Date
        var revoked: Bool
    }

    /// The signed link to a grant of the task's store: a link opened from an email names no
    /// store of its own, so it carries its store (signed with the grant).
    func url(_ grant: UUID, expiresAt: Date) -> String {
        let expires = Int(expiresAt.timeIntervalSince1970)
        let store = StoreScope.current ?? .original
        let signature = signer.signature(of: LinkSigner.download(grant: grant, expires: expires, store: store))
        let storePart = store == .original ? "" : "&store=\(store)"
        return "\(linkBase)/\(grant.uuidString.lowercased())?expires=\(expires)\(storePart)&signature=\(signature)"
    }

    /// Grants every digital line of the order (once; a redelivered event grants nothing new)
    /// and announces what it granted in the same transaction.
    func grant(forOrder order: UUID, correlationId: String?, outbox: Outbox, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query("SELECT order_number, lines::text FROM fulfilment_orders WHERE order_id = \(order)", logger: logger)
        var found: (String, [PricedLine])?
        for try await (number, text) in rows.decode((String, String).self) {
            found = (number, try EventCoding.decoder.decode([PricedLine].self, from: Data(text.utf8)))
        }
        guard let (number, lines) = found else { return }
        let seconds = Double(lifetime.components.seconds)
        var granted: [GrantedDownload] = []
        for line in lines {
            guard let file = line.digitalFile else { continue }
            let variant = line.variantId.uuid
            let inserted = try await connection.query("""
                INSERT INTO download_grants (id, order_id, variant_id, title, file_ref, expires_at)
                VALUES (gen_random_uuid(), \(order), \(variant), \(line.title), \(file), now() + make_interval(secs => \(seconds)))
                ON CONFLICT (order_id, variant_id) DO NOTHING RETURNING expires_at
                """, logger: logger)
            for try await expires in inserted.decode(Date.self) {
                granted.append(GrantedDownload(variantId: line.variantId, title: line.title, expiresAt: expires))
            }
        }
        guard !granted.isEmpty else { return }
        let subject = OrderID(order)
        try await outbox.enqueue(DownloadsGranted(orderId: subject, orderNumber: number, downloads: granted,
                                                  allDigital: lines.allSatisfy { $0.isDigital || $0.quantity == 0 }),
                                 subject: subject, correlationId: correlationId, on: connection, logger: logger)
    }

    func revoke(forOrder order: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE download_grants SET revoked_at = now() WHERE order_id = \(order) AND revoked_at IS NULL", logger: logger)
    }

    /// The order's live downloads, for the payment email.
    func links(forOrder order: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [Link] {
        let rows = try await connection.query("""
            SELECT id, title, expires_at FROM download_grants WHERE order_id = \(order) AND revoked_at IS NULL AND expires_at > now()
            ORDER BY title, id
            """, logger: logger)
        var links: [Link] = []
        for try await (id, title, expires) in rows.decode((UUID, String, Date).self) {
            links.append(Link(title: title, url: url(id, expiresAt: expires), expiresAt: expires))
        }
        return links
    }

    /// The order's downloads, when it belongs to `customer`, or was placed with `email` as
    /// order `number` (a guest); nil otherwise.
    func downloads(order: UUID? = nil, customer: UUID? = nil, number: String? = nil, email: String? = nil,
                   logger: Logger) async throws -> [Download]? {
        let rows = try await database.client.query("""
            SELECT o.order_id FROM fulfilment_orders o
            WHERE (\(order)::uuid IS NOT NULL AND o.order_id = \(order) AND o.customer_id = \(customer))
               OR (\(number)::text IS NOT NULL AND o.order_number = \(number) AND lower(o.email) = lower(\(email)))
            """, logger: logger)
        var found: UUID?
        for try await id in rows.decode(UUID.self) { found = id }
        guard let found else { return nil }
        let grants = try await database.client.query("""
            SELECT id, title, expires_at, revoked_at IS NOT NULL, downloads FROM download_grants WHERE order_id = \(found) ORDER BY title, id
            """, logger: logger)
        var result: [Download] = []
        let now = Date()
        for try await (id, title, expires, revoked, count) in grants.decode((UUID, String, Date, Bool, Int).self) {
            let status = revoked ? "revoked" : expires <= now ? "expired" : "active"
            result.append(Download(id: id.uuidString.lowercased(), title: title, status: status, expiresAt: expires, downloads: count,
                                   url: status == "active" ? url(id, expiresAt: expires) : nil))
        }
        return result
    }

    func find(_ id: UUID, logger: Logger) async throws -> Grant? {
        let rows = try await database.client.query("""
            SELECT g.id, g.order_id, o.order_number, o.customer_id, o.email, g.title, g.file_ref, g.expires_at, g.revoked_at IS NOT NULL
            FROM download_grants g JOIN fulfilment_orders o ON o.order_id = g.order_id WHERE g.id = \(id)
            """, logger: logger)
        for try await (id, order, number, customer, email, title, file, expires, revoked)
            in rows.decode((UUID, UUID, String, UUID?, String, String, String, Date, Bool).self) {
            return Grant(id: id, orderId: order, orderNumber: number, customerId: customer, email: email, title: title,
                         fileReference: file, expiresAt: expires, revoked: revoked)
        }
        return nil
    }

    /// Counts one download; false when the grant ended meanwhile.
    func count(_ id: UUID, logger: Logger) async throws -> Bool {
        let rows = try await database.client.query("""
            UPDATE download_grants SET downloads = downloads + 1, last_downloaded_at = now()
            WHERE id = \(id) AND revoked_at IS NULL AND expires_at > now() RETURNING downloads
            """, logger: logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }
}
