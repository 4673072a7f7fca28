import EventContracts
import Foundation
import Logging
import Messaging
import Money
import NIOCore
import Persistence
import PostgresNIO
import ServiceKit

/// Server-side carts: guest carts opened by a token, customer carts by the customer id the
/// gateway asserts. Every change runs in one transaction that locks the cart, bumps its
/// version and publishes the whole cart (``CartUpdated``) through the outbox, so checkout
/// keeps a replica without calling the catalog.
struct CartStore: Sendable {
    let database: Database
    let outbox: Outbox
    let vouchers: VoucherStore
    static let maxQuantity = 999
    static let maxLines = 100

    struct Row: Sendable {
        var id: UUID
        var customerId: UUID?
        var status: String
        var currency: String?
        var voucherCode: String?
        var version: Int
    }

    // MARK: Opening

    /// A new guest cart and its token, or the customer's active cart (created when missing).
    func open(for access: CartAccess, correlationId: String, logger: Logger) async throws -> (cart: Cart, created: Bool) {
        if let customer = access.customerId {
            return try await database.transaction(logger: logger) { connection in
                let inserted = try await connection.query("""
                    INSERT INTO carts (id, customer_id) VALUES (\(UUID()), \(customer))
                    ON CONFLICT (customer_id) WHERE status = 'active' AND customer_id IS NOT NULL DO NOTHING RETURNING id
                    """, logger: logger)
                var created = false
                for try await _ in inserted.decode(UUID.self) { created = true }
                let rows = try await connection.query(
                    "SELECT id FROM carts WHERE customer_id = \(customer) AND status = 'active'", logger: logger)
                for try await id in rows.decode(UUID.self) {
                    return (try await view(id, on: connection, logger: logger), created)
                }
                throw CatalogInvariantError("the customer's cart vanished")
            }
        }
        let token = OpaqueToken.generate()
        let id = UUID()
        // One statement: a new cart has no lines to read.
        return try await database.client.withConnection { connection in
            let rows = try await connection.query(
                "INSERT INTO carts (id, token_hash) VALUES (\(id), \(OpaqueToken.hash(token.value))) RETURNING \(unescaped: Header.columns)",
                logger: logger)
            var cart = try await assemble(id, try await Header.first(of: rows, cart: id), readingLines: false, on: connection, logger: logger)
            cart.cartToken = token.value
            return (cart, true)
        }
    }

    /// The cart if `access` opens it; nil otherwise (the caller answers 404).
    func read(_ id: UUID, access: CartAccess, correlationId: String, logger: Logger) async throws -> Cart? {
        try await database.transaction(logger: logger) { connection -> Cart? in
            guard let row = try await locked(id, access: access, on: connection, logger: logger) else { return nil }
            var cart = try await view(id, on: connection, logger: logger)
            guard row.status == "active", cart.lines.contains(where: \.priceChanged) else { return cart }
            // Show the change once, then keep today's prices (and tell checkout's replica).
            try await connection.query("""
                UPDATE cart_lines l SET unit_price_minor = v.price_minor FROM variants v
                WHERE v.id = l.variant_id AND l.cart_id = \(id) AND l.unit_price_minor <> v.price_minor
                """, logger: logger)
            try await touched(id, correlationId: correlationId, on: connection, logger: logger)
            cart.version += 1
            cart.updatedAt = Date()
            return cart
        }
    }

    // MARK: Changing

    enum Change: Sendable {
        case add(variant: UUID, quantity: Int)
        case set(variant: UUID, quantity: Int)
        case remove(variant: UUID)
        case clear
        case voucher(String?)
    }

    /// Applies a change to an open cart the caller may open; nil when it may not (404).
    func change(_ id: UUID, _ change: Change, access: CartAccess, correlationId: String, logger: Logger) async throws -> Cart? {
        try await database.transaction(logger: logger) { connection -> Cart? in
            guard let row = try await locked(id, access: access, on: connection, logger: logger) else { return nil }
            try Self.requireActive(row)
            switch change {
            case .add(let variant, let quantity):
                let line = try await self.line(of: variant, in: id, on: connection, logger: logger)
                try await put(variant, quantity: line.quantity + quantity, field: "quantity", into: row, line: line, on: connection, logger: logger)
            case .set(let variant, let quantity):
                let line = try await self.line(of: variant, in: id, on: connection, logger: logger)
                guard line.quantity > 0 else { throw Problem.notFound("That line") }
                if quantity == 0 {
                    try await removeLines(of: id, variant: variant, on: connection, logger: logger)
                } else {
                    try await put(variant, quantity: quantity, field: "quantity", into: row, line: line, on: connection, logger: logger)
                }
            case .remove(let variant):
                guard try await line(of: variant, in: id, on: connection, logger: logger).quantity > 0 else { throw Problem.notFound("That line") }
                try await removeLines(of: id, variant: variant, on: connection, logger: logger)
            case .clear:
                try await removeLines(of: id, variant: nil, on: connection, logger: logger)
            case .voucher(let code):
                try await connection.query("UPDATE carts SET voucher_code = \(code) WHERE id = \(id)", logger: logger)
            }
            return try await touched(id, correlationId: correlationId, on: connection, logger: logger)
        }
    }

    /// Moves a guest cart's lines into the customer's cart (same variant: quantities add,
    /// capped at what is available) and retires the guest cart. nil when either cart does
    /// not open for the caller.
    func merge(guest guestID: UUID, token: String, into id: UUID, customer: UUID, correlationId: String,
               logger: Logger) async throws -> Cart? {
        try await database.transaction(logger: logger) { connection -> Cart? in
            // Lock both in one order so two merges cannot deadlock.
            var rows: [UUID: Row] = [:]
            for cart in [id, guestID].sorted(by: { $0.uuidString < $1.uuidString }) {
                let access = cart == id ? CartAccess(customerId: customer, token: nil) : CartAccess(customerId: nil, token: token)
                rows[cart] = try await locked(cart, access: access, on: connection, logger: logger)
            }
            guard var target = rows[id], let guest = rows[guestID], guest.customerId == nil else { return nil }
            try Self.requireActive(target)
            try Self.requireActive(guest)
            let lines = try await connection.query(
                "SELECT variant_id, quantity FROM cart_lines WHERE cart_id = \(guestID) ORDER BY added_at", logger: logger)
            var guestLines: [(UUID, Int)] = []
            for try await line in lines.decode((UUID, Int).self) { guestLines.append(line) }
            for (variant, quantity) in guestLines {
                let line = try await self.line(of: variant, in: id, on: connection, logger: logger)
                let merged = min(line.quantity + quantity, max(0, line.offer?.available ?? 0), Self.maxQuantity)
                guard merged > line.quantity else { continue }
                do {
                    target.currency = try await put(variant, quantity: merged, field: "quantity", into: target, line: line,
                                                    on: connection, logger: logger)
                } catch let problem as Problem where problem.status == .unprocessableContent {
                    logger.info("guest line not merged", metadata: ["variant.id": "\(variant)", "reason": "\(problem.detail ?? "")"])
                }
            }
            try await connection.query("UPDATE carts SET status = 'merged' WHERE id = \(guestID)", logger: logger)
            try await touched(guestID, correlationId: correlationId, on: connection, logger: logger)
            return try await touched(id, correlationId: correlationId, on: connection, logger: logger)
        }
    }

    /// Marks carts with goods that nobody touched for `idle` as abandoned and announces each
    /// once (a later change clears the mark). Replicas share the work (`SKIP LOCKED`).
    func markAbandoned(idle: Duration, logger: Logger) async throws -> Int {
        try await database.transaction(logger: logger) { connection -> Int in
            let seconds = Double(idle.components.seconds)
            let rows = try await connection.query("""
                UPDATE carts SET abandoned_at = now() WHERE id IN (
                    SELECT c.id FROM carts c
                    WHERE c.status = 'active' AND c.abandoned_at IS NULL AND c.updated_at < now() - make_interval(secs => \(seconds))
                      AND EXISTS (SELECT 1 FROM cart_lines l WHERE l.cart_id = c.id)
                    ORDER BY c.updated_at LIMIT 100 FOR UPDATE SKIP LOCKED)
                RETURNING id, updated_at
                """, logger: logger)
            var abandoned: [(UUID, Date)] = []
            for try await row in rows.decode((UUID, Date).self) { abandoned.append(row) }
            for (id, updatedAt) in abandoned {
                let snapshot = try await snapshot(id, on: connection, logger: logger).event
                try await outbox.enqueue(
                    CartAbandoned(cartId: snapshot.cartId, customerId: snapshot.customerId, lines: snapshot.lines, lastChangedAt: updatedAt),
                    subject: snapshot.cartId, correlationId: nil, on: connection, logger: logger)
            }
            return abandoned.count
        }
    }

    // MARK: Parts

    static func requireActive(_ row: Row) throws {
        guard row.status == "active" else {
            throw Problem(status: .conflict, type: "cart-closed", title: "This cart can no longer change.",
                          detail: "The cart is \(row.status.replacingOccurrences(of: "_", with: " ")).")
        }
    }

    /// Locks the cart if `access` opens it.
    func locked(_ id: UUID, access: CartAccess, on connection: PostgresConnection, logger: Logger) async throws -> Row? {
        let rows = try await connection.query("""
            SELECT customer_id, token_hash, status, currency, voucher_code, version FROM carts WHERE id = \(id) FOR UPDATE
            """, logger: logger)
        for try await (customer, tokenHash, status, currency, voucher, version)
            in rows.decode((UUID?, ByteBuffer?, String, String?, String?, Int).self) {
            guard access.opens(owner: customer, tokenHash: tokenHash.map { Array($0.readableBytesView) }) else { return nil }
            return Row(id: id, customerId: customer, status: status, currency: currency, voucherCode: voucher, version: version)
        }
        return nil
    }

    /// A variant as it is on sale now: its price and what is available.
    private struct Offer {
        var price: Int64
        var currency: String
        var available: Int
    }

    /// How many of a variant a cart holds (0 without a line), how many lines it has, and the
    /// variant's offer (nil when it is not on sale).
    private struct LineState {
        var quantity: Int
        var count: Int
        var offer: Offer?
    }

    /// A cart's line of `variant` and the variant's offer, in one read.
    private func line(of variant: UUID, in cart: UUID, on connection: PostgresConnection, logger: Logger) async throws -> LineState {
        let rows = try await connection.query("""
            SELECT l.quantity, l.count, o.price_minor, o.currency, o.available
            FROM (SELECT coalesce(max(quantity) FILTER (WHERE variant_id = \(variant)), 0)::int8 AS quantity, count(*)::int8 AS count
                  FROM cart_lines WHERE cart_id = \(cart)) AS l
            LEFT JOIN (SELECT v.price_minor, v.currency, (v.on_hand - v.reserved)::int8 AS available
                       FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = \(variant) AND p.status = 'published') AS o ON true
            """, logger: logger)
        for try await (quantity, count, price, currency, available) in rows.decode((Int, Int, Int64?, String?, Int?).self) {
            let offer = price.flatMap { price in currency.flatMap { currency in available.map { Offer(price: price, currency: currency, available: $0) } } }
            return LineState(quantity: quantity, count: count, offer: offer)
        }
        return LineState(quantity: 0, count: 0, offer: nil)
    }

    /// Removes one variant's line (or every line); a cart left empty has no currency again.
    private func removeLines(of cart: UUID, variant: UUID?, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            WITH removed AS (DELETE FROM cart_lines WHERE cart_id = \(cart) AND (\(variant)::uuid IS NULL OR variant_id = \(variant)) RETURNING 1)
            UPDATE carts c SET currency = CASE WHEN EXISTS (
                SELECT 1 FROM cart_lines l WHERE l.cart_id = c.id AND NOT (\(variant)::uuid IS NULL OR l.variant_id = \(variant))) THEN currency END
            WHERE c.id = \(cart)
            """, logger: logger)
    }

    /// Sets a line's quantity at today's price after checking it is sellable, available, in
    /// the cart's currency and within the cart's line limit (`line`: what the cart holds now
    /// and the variant's offer).
    @discardableResult
    private func put(_ variant: UUID, quantity: Int, field: String, into cart: Row, line: LineState,
                     on connection: PostgresConnection, logger: Logger) async throws -> String {
        guard (1...Self.maxQuantity).contains(quantity) else {
            throw Problem.validation([.init(field: field, message: "the line may hold 1 to \(Self.maxQuantity)")])
        }
        guard let (price, currency, available) = line.offer.map({ ($0.price, $0.currency, $0.available) }) else {
            throw Problem.validation([.init(field: "variant_id", message: "no such variant on sale")])
        }
        if let cartCurrency = cart.currency, cartCurrency != currency {
            throw Problem.validation([.init(field: "variant_id", message: "is priced in \(currency); this cart is in \(cartCurrency)")])
        }
        guard quantity <= available else {
            throw Problem(status: .conflict, type: "insufficient-stock", title: "Not enough in stock.",
                          detail: "Only \(max(0, available)) available.",
                          errors: [.init(field: field, message: "at most \(max(0, available)) available")])
        }
        if line.count >= Self.maxLines && line.quantity == 0 {
            throw Problem.validation([.init(field: "variant_id", message: "a cart holds at most \(Self.maxLines) lines")])
        }
        try await connection.query("""
            WITH line AS (
                INSERT INTO cart_lines (cart_id, variant_id, quantity, unit_price_minor) VALUES (\(cart.id), \(variant), \(quantity)::int4, \(price))
                ON CONFLICT (cart_id, variant_id) DO UPDATE SET quantity = excluded.quantity, unit_price_minor = excluded.unit_price_minor)
            UPDATE carts SET currency = \(currency) WHERE id = \(cart.id)
            """, logger: logger)
        return currency
    }

    /// What became of a cart a checkout asked to check out.
    enum CheckOut: Equatable {
        /// It closed for this checkout.
        case closed
        /// It was no longer active (`checked_out`, `merged`): the checkout must be refused.
        case notActive(String)
        /// The catalog has no such cart (a submission not made from a cart).
        case unknown
    }

    /// A submitted checkout takes the cart: it closes (a customer's next cart is new), in the
    /// transaction that reserves its goods. Nothing is published: checkout knows the cart is
    /// taken from its own completed checkout of this cart version, and a cart given back
    /// (``reopen(afterCheckout:correlationId:on:logger:)``) is published with a new version.
    func checkOut(_ id: UUID, checkoutId: UUID, on connection: PostgresConnection, logger: Logger) async throws -> CheckOut {
        let rows = try await connection.query("""
            WITH cart AS (SELECT id, status FROM carts WHERE id = \(id) FOR UPDATE),
            closed AS (
                UPDATE carts c SET status = 'checked_out', checkout_id = \(checkoutId) FROM cart
                WHERE c.id = cart.id AND cart.status = 'active' RETURNING 1)
            SELECT cart.status FROM cart
            """, logger: logger)
        for try await status in rows.decode(String.self) { return status == "active" ? .closed : .notActive(status) }
        return .unknown
    }

    /// The checkout that took the cart was refused (stock, voucher): the cart is active again,
    /// as checkout never stopped believing.
    func giveBack(_ id: UUID, fromCheckout checkoutId: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE carts SET status = 'active', checkout_id = NULL WHERE id = \(id) AND checkout_id = \(checkoutId) AND status = 'checked_out'",
            logger: logger)
    }

    /// A checkout that closed without an order (payment window passed, the customer gave
    /// up) gives its cart back, goods and all, unless its customer has started another.
    func reopen(afterCheckout checkoutId: UUID, correlationId: String?, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query("""
            UPDATE carts c SET status = 'active', checkout_id = NULL
            WHERE c.checkout_id = \(checkoutId) AND c.status = 'checked_out'
              AND (c.customer_id IS NULL OR NOT EXISTS (SELECT 1 FROM carts o WHERE o.customer_id = c.customer_id AND o.status = 'active'))
            RETURNING c.id
            """, logger: logger)
        var reopened: [UUID] = []
        for try await id in rows.decode(UUID.self) { reopened.append(id) }
        for id in reopened { try await touched(id, correlationId: correlationId, on: connection, logger: logger) }
    }

    /// After a change: the cart's version and time move on, and its snapshot is published.
    /// Returns the cart as it now is (read once, for the snapshot and the answer).
    @discardableResult
    func touched(_ id: UUID, correlationId: String?, on connection: PostgresConnection, logger: Logger) async throws -> Cart {
        let rows = try await connection.query("""
            UPDATE carts SET version = version + 1, updated_at = now(), abandoned_at = NULL WHERE id = \(id)
            RETURNING \(unescaped: Header.columns)
            """, logger: logger)
        let header = try await Header.first(of: rows, cart: id)
        let cart = try await assemble(id, header, on: connection, logger: logger)
        try await outbox.enqueue(Self.snapshot(of: cart, header), subject: id.lowercased, correlationId: correlationId, on: connection, logger: logger)
        return cart
    }

    /// The cart's event form, with the cart it was made from.
    func snapshot(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> (event: CartUpdated, cart: Cart) {
        let header = try await Header.first(of: try await connection.query("SELECT \(unescaped: Header.columns) FROM carts WHERE id = \(id)",
                                                                            logger: logger), cart: id)
        let cart = try await assemble(id, header, on: connection, logger: logger)
        return (Self.snapshot(of: cart, header), cart)
    }

    private static func snapshot(of cart: Cart, _ header: Header) -> CartUpdated {
        CartUpdated(
            cartId: cart.id, customerId: header.customerId.map(CustomerID.init), status: cart.status, version: cart.version,
            lines: cart.lines.map { CartLineSnapshot(variantId: $0.variantId, productId: $0.productId, sku: $0.sku, title: $0.title,
                                                     quantity: $0.quantity, unitPrice: $0.unitPrice, digital: $0.digital ? true : nil) },
            voucherCode: cart.voucher?.code, currency: cart.currency, guestTokenDigest: header.customerId == nil ? header.tokenDigest : nil)
    }

    /// A cart's own row as the answer and its snapshot need it.
    struct Header: Sendable {
        static let columns = "status, currency, voucher_code, version, updated_at, customer_id, encode(token_hash, 'hex')"

        var status: String
        var currency: String?
        var voucherCode: String?
        var version: Int
        var updatedAt: Date
        var customerId: UUID?
        /// Hex SHA-256 of a guest cart's token.
        var tokenDigest: String?

        static func first<Rows: AsyncSequence & Sendable>(of rows: Rows, cart id: UUID) async throws -> Header where Rows.Element == PostgresRow {
            for try await (status, currency, voucher, version, updatedAt, customer, digest)
                in rows.decode((String, String?, String?, Int, Date, UUID?, String?).self) {
                return Header(status: status, currency: currency, voucherCode: voucher, version: version, updatedAt: updatedAt,
                              customerId: customer, tokenDigest: digest)
            }
            throw CatalogInvariantError("cart \(id) vanished")
        }
    }

    /// The cart as its owner sees it, priced today; lines whose stored price differs from
    /// today's are flagged with the stored one.
    func view(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Cart {
        try await snapshot(id, on: connection, logger: logger).cart
    }

    /// The cart priced today, from its row read (or just written) by the caller; a cart known
    /// to have no lines (just created) skips reading them.
    private func assemble(_ id: UUID, _ header: Header, readingLines: Bool = true, on connection: PostgresConnection,
                          logger: Logger) async throws -> Cart {
        let (status, currencyCode, voucher, version, updatedAt, customer) =
            (header.status, header.currency, header.voucherCode, header.version, header.updatedAt, header.customerId)
        var lines: [CartLine] = []
        if readingLines {
            let rows = try await connection.query("""
                SELECT l.variant_id, p.id, p.slug, p.title, v.title, v.sku, v.options::text, l.quantity, l.unit_price_minor, v.price_minor,
                       v.currency, CASE WHEN p.status = 'published' THEN v.on_hand - v.reserved ELSE 0 END, v.digital_file IS NOT NULL
                FROM cart_lines l JOIN variants v ON v.id = l.variant_id JOIN products p ON p.id = v.product_id
                WHERE l.cart_id = \(id) ORDER BY l.added_at, l.variant_id
                """, logger: logger)
            for try await (variant, product, slug, productTitle, variantTitle, sku, options, quantity, seenPrice, price, code, available, digital)
                in rows.decode((UUID, UUID, String, String, String, String, String, Int, Int64, Int64, String, Int, Bool).self) {
                let currency = try Currency(stored: code)
                let unit = Money(minorUnits: price, currency: currency)
                lines.append(CartLine(
                    variantId: VariantID(variant), productId: ProductID(product), productSlug: slug,
                    title: variantTitle.isEmpty ? productTitle : "\(productTitle) – \(variantTitle)", sku: sku,
                    options: (try? JSONDecoder().decode([String: String].self, from: Data(options.utf8))) ?? [:],
                    quantity: quantity, unitPrice: unit,
                    previousUnitPrice: seenPrice != price ? Money(minorUnits: seenPrice, currency: currency) : nil,
                    priceChanged: seenPrice != price, available: max(0, available), insufficientStock: quantity > available,
                    lineTotal: try unit.multiplied(by: Int64(quantity)), digital: digital))
            }
        }
        let currency = currencyCode.flatMap(Currency.init(code:))
        var subtotal = currency.map(Money.zero)
        for line in lines { subtotal = try subtotal?.adding(line.lineTotal) }
        var applied: AppliedVoucher?
        var discount = currency.map(Money.zero)
        if let voucher, let subtotal {
            switch try await evaluate(voucher, subtotal: subtotal, customer: customer, on: connection, logger: logger) {
            case .success(let off):
                applied = AppliedVoucher(code: voucher, valid: true, reason: nil)
                discount = off
            case .failure(let refusal):
                applied = AppliedVoucher(code: voucher, valid: false, reason: refusal.rawValue)
            }
        }
        let total = try subtotal.map { try $0.subtracting(discount ?? .zero($0.currency)) }
        return Cart(id: CartID(id), status: status, currency: currencyCode, lines: lines, itemCount: lines.reduce(0) { $0 + $1.quantity },
                    subtotal: subtotal, voucher: applied, discount: discount, total: total, version: version, updatedAt: updatedAt,
                    cartToken: nil)
    }

    /// What a voucher code is worth on a cart's subtotal for its owner, or why it does not apply.
    func evaluate(_ code: String, subtotal: Money, customer: UUID?, on connection: PostgresConnection,
                  logger: Logger) async throws -> Result<Money, Voucher.Refusal> {
        guard let voucher = try await vouchers.find(code: code, on: connection, logger: logger) else { return .failure(.unknown) }
        return voucher.discount(on: subtotal, customerUses: try await vouchers.uses(of: voucher.id, by: customer, on: connection, logger: logger))
    }

    /// Checks a code against an open cart: its canonical code and discount, or why not. With
    /// `apply`, a valid code is put on the cart. nil when the cart does not open for the caller.
    func voucher(_ code: String, on id: UUID, apply: Bool, access: CartAccess, correlationId: String,
                 logger: Logger) async throws -> (cart: Cart, result: Result<Money, Voucher.Refusal>)? {
        try await database.transaction(logger: logger) { connection -> (cart: Cart, result: Result<Money, Voucher.Refusal>)? in
            guard let row = try await locked(id, access: access, on: connection, logger: logger) else { return nil }
            if apply { try Self.requireActive(row) }
            let cart = try await view(id, on: connection, logger: logger)
            let result = try await evaluate(code, subtotal: cart.subtotal ?? .zero(.vnd), customer: row.customerId, on: connection, logger: logger)
            guard apply, case .success = result, let voucher = try await vouchers.find(code: code, on: connection, logger: logger) else {
                return (cart, result)
            }
            try await connection.query("UPDATE carts SET voucher_code = \(voucher.code) WHERE id = \(id)", logger: logger)
            return (try await touched(id, correlationId: correlationId, on: connection, logger: logger), result)
        }
    }
}
