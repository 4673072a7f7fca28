import Crypto
import EventContracts
import Foundation
import Logging
import Money
import Persistence
import PostgresNIO
import ServiceKit

/// Checkout pages in the database, their figures and their visitors. A page's figures are
/// counted in the transaction of what they count (a checkout started, a checkout completed,
/// a first view of the day), by adding to a row, so concurrent buyers never lose a count.
struct CheckoutPageStore: Sendable {
    let database: Database
    let offers: OfferStore

    private static let columns = "p.id, p.slug, p.title, p.status, p.content::text, p.created_at, p.updated_at, p.published_at"
    private typealias Row = (UUID, String, String, String, String, Date, Date, Date?)

    private static func page(_ row: Row) throws -> CheckoutPage {
        CheckoutPage(id: CheckoutPageID(row.0), slug: row.1, title: row.2, status: PageStatus(rawValue: row.3) ?? .draft,
                     content: try JSONDecoder().decode(PageContent.self, from: Data(row.4.utf8)), createdAt: row.5, updatedAt: row.6,
                     publishedAt: row.7)
    }

    private static func json(_ content: PageContent) throws -> String { String(decoding: try JSONEncoder().encode(content), as: UTF8.self) }

    /// A new draft page; 409 naming `slug` when the store has a page with it.
    func create(slug: String, title: String, content: PageContent, by staff: UUID?, logger: Logger) async throws -> CheckoutPage {
        let id = UUID()
        try await slugChecked {
            try await database.transaction(logger: logger) { connection in
                try await connection.query("""
                    INSERT INTO checkout_pages (id, slug, title, status, content, created_by)
                    VALUES (\(id), \(slug), \(title), 'draft', \(try Self.json(content))::jsonb, \(staff))
                    """, logger: logger)
                try await connection.query("INSERT INTO checkout_page_stats (page_id) VALUES (\(id))", logger: logger)
            }
        }
        guard let page = try await find(id, logger: logger) else { throw Problem.notFound("That page") }
        return page
    }

    /// The store's pages, newest first, with their figures.
    func list(status: PageStatus?, logger: Logger) async throws -> [CheckoutPage] {
        try await database.client.withConnection { connection in
            let rows = try await connection.query("""
                SELECT \(unescaped: Self.columns) FROM checkout_pages p
                WHERE \(status?.rawValue)::text IS NULL OR p.status = \(status?.rawValue) ORDER BY p.created_at DESC LIMIT 500
                """, logger: logger)
            var pages: [CheckoutPage] = []
            for try await row in rows.decode(Row.self) { pages.append(try Self.page(row)) }
            let figures = try await statistics(of: pages.map(\.id.uuid), on: connection, logger: logger)
            return pages.map { page in
                var page = page
                page.statistics = figures[page.id.uuid]
                return page
            }
        }
    }

    /// A page of the store with its figures, or nil.
    func find(_ id: UUID, logger: Logger) async throws -> CheckoutPage? {
        try await database.client.withConnection { connection in
            guard var page = try await find(id, on: connection, logger: logger) else { return nil }
            page.statistics = try await statistics(of: [id], on: connection, logger: logger)[id]
            return page
        }
    }

    private func find(_ id: UUID, lock: Bool = false, on connection: PostgresConnection, logger: Logger) async throws -> CheckoutPage? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM checkout_pages p WHERE p.id = \(id) \(unescaped: lock ? "FOR UPDATE" : "")", logger: logger)
        for try await row in rows.decode(Row.self) { return try Self.page(row) }
        return nil
    }

    /// The page buyers reach by its slug: any status (the caller answers 410 for an archived one).
    func find(slug: String, logger: Logger) async throws -> CheckoutPage? {
        let rows = try await database.client.query(
            "SELECT \(unescaped: Self.columns) FROM checkout_pages p WHERE p.slug = \(slug)", logger: logger)
        for try await row in rows.decode(Row.self) { return try Self.page(row) }
        return nil
    }

    /// Applies `change` to the page (read and written under its lock); nil for no such page.
    func update(_ id: UUID, logger: Logger,
                _ change: @Sendable (CheckoutPage) throws -> (slug: String, title: String, content: PageContent)) async throws -> CheckoutPage? {
        let found = try await slugChecked {
            try await database.transaction(logger: logger) { connection -> Bool in
                guard let page = try await find(id, lock: true, on: connection, logger: logger) else { return false }
                let (slug, title, content) = try change(page)
                if page.status == .published { try await checkSells(content.options, on: connection, logger: logger) }
                try await connection.query("""
                    UPDATE checkout_pages SET slug = \(slug), title = \(title), content = \(try Self.json(content))::jsonb, updated_at = now()
                    WHERE id = \(id)
                    """, logger: logger)
                return true
            }
        }
        return found ? try await find(id, logger: logger) : nil
    }

    /// Moves a page to `status`. A page is published only when it offers something and every
    /// option is on sale (422 naming the option otherwise); nil for no such page.
    func setStatus(_ id: UUID, to status: PageStatus, logger: Logger) async throws -> CheckoutPage? {
        let found = try await database.transaction(logger: logger) { connection -> Bool in
            guard let page = try await find(id, lock: true, on: connection, logger: logger) else { return false }
            if status == .published {
                try await checkSells(page.content.options, on: connection, logger: logger)
            }
            try await connection.query("""
                UPDATE checkout_pages SET status = \(status.rawValue), updated_at = now(),
                    published_at = CASE WHEN \(status.rawValue) = 'published' THEN coalesce(published_at, now()) ELSE published_at END
                WHERE id = \(id)
                """, logger: logger)
            return true
        }
        return found ? try await find(id, logger: logger) : nil
    }

    /// A draft copy of the page under a free slug (`<slug>-copy`, `<slug>-copy-2`, …); nil for no such page.
    func duplicate(_ id: UUID, by staff: UUID?, logger: Logger) async throws -> CheckoutPage? {
        guard let page = try await find(id, logger: logger) else { return nil }
        let base = String(page.slug.prefix(70)).trimmingSuffix("-") + "-copy"
        let title = String((page.title + " (copy)").prefix(120))
        for attempt in 1...20 {
            do {
                return try await create(slug: attempt == 1 ? base : "\(base)-\(attempt)", title: title, content: page.content, by: staff,
                                        logger: logger)
            } catch let problem as Problem where problem.status == .conflict {
                continue
            }
        }
        throw Problem.taken(field: "slug", what: "Every copy slug of this page")
    }

    /// 422 unless a published page offers something and every option's variant is on sale
    /// (each one that is not named).
    private func checkSells(_ options: [PageOption], on connection: PostgresConnection, logger: Logger) async throws {
        guard !options.isEmpty else {
            throw Problem.validation([.init(field: "options", message: "a published page must offer at least one variant")])
        }
        let known = try await offers.offers(options.map(\.variantId.uuid), on: connection, logger: logger)
        let errors = options.enumerated().compactMap { index, option -> Problem.FieldError? in
            known[option.variantId.uuid]?.onSale == true ? nil
                : .init(field: "options[\(index)].variant_id", message: "is not a variant on sale")
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
    }

    /// Runs a write that may take a slug another page of the store has: 409 naming `slug`.
    private func slugChecked<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error where ConstraintViolation(error)?.kind == .unique {
            throw Problem.taken(field: "slug", what: "A page of this store with this slug")
        }
    }

    // MARK: Figures

    /// The figures of `pages`, by page id.
    func statistics(of pages: [UUID], on connection: PostgresConnection, logger: Logger) async throws -> [UUID: PageStatistics] {
        guard !pages.isEmpty else { return [:] }
        var revenue: [UUID: [Money]] = [:]
        let earned = try await connection.query("""
            SELECT page_id, currency, amount_minor FROM checkout_page_revenue WHERE page_id = ANY(\(pages)) ORDER BY currency
            """, logger: logger)
        for try await (page, currency, amount) in earned.decode((UUID, String, Int64).self) {
            revenue[page, default: []].append(Money(minorUnits: amount, currency: try Currency(stored: currency)))
        }
        var figures: [UUID: PageStatistics] = [:]
        let rows = try await connection.query("""
            SELECT page_id, views, checkouts_started, conversions FROM checkout_page_stats WHERE page_id = ANY(\(pages))
            """, logger: logger)
        for try await (page, views, started, conversions) in rows.decode((UUID, Int, Int, Int).self) {
            figures[page] = PageStatistics(views: views, checkoutsStarted: started, conversions: conversions, revenue: revenue[page] ?? [])
        }
        return figures
    }

    /// Counts a view of the page by `visitor` (the client's address and user agent), once a
    /// day per visitor. What is kept is a digest under the store's salt of the day, which is
    /// dropped the next day: a visitor cannot be told again from it, nor followed across days.
    func recordView(of page: UUID, visitor: String, logger: Logger) async throws {
        try await database.transaction(logger: logger) { connection in
            var salt: Data?
            // A salt another request made at the same moment commits while this statement waits
            // on it, after this statement's snapshot: the next statement sees it.
            for _ in 0..<3 where salt == nil {
                let salted = try await connection.query("""
                    WITH made AS (
                        INSERT INTO visitor_salts (day, salt) VALUES (current_date, \(Data(Base64URL.random(bytes: 32).utf8)))
                        ON CONFLICT (store_id, day) DO NOTHING RETURNING salt)
                    SELECT salt FROM made UNION ALL SELECT salt FROM visitor_salts WHERE day = current_date LIMIT 1
                    """, logger: logger)
                for try await value in salted.decode(Data.self) { salt = value }
            }
            guard let salt else { throw CheckoutInvariantError("no visitor salt for today") }
            var hasher = SHA256()
            hasher.update(data: salt)
            hasher.update(data: Data(page.uuidString.utf8))
            hasher.update(data: Data(visitor.utf8))
            let digest = Data(hasher.finalize())
            try await connection.query("""
                WITH first AS (
                    INSERT INTO checkout_page_visits (page_id, day, visitor) VALUES (\(page), current_date, \(digest))
                    ON CONFLICT DO NOTHING RETURNING page_id)
                UPDATE checkout_page_stats SET views = views + 1 WHERE page_id = (SELECT page_id FROM first)
                """, logger: logger)
        }
    }

    /// Forgets the visitors and salts of days before yesterday (of every store the task sees).
    func forgetOldVisitors(logger: Logger) async throws {
        try await database.transaction(logger: logger) { connection in
            try await connection.query("DELETE FROM checkout_page_visits WHERE day < current_date - 1", logger: logger)
            try await connection.query("DELETE FROM visitor_salts WHERE day < current_date - 1", logger: logger)
        }
    }
}

extension String {
    /// The text without any trailing `character`s.
    func trimmingSuffix(_ character: Character) -> String {
        var text = self
        while text.last == character { text.removeLast() }
        return text
    }
}
