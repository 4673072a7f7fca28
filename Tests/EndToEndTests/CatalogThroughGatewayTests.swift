import AsyncHTTPClient
import EventContracts
import Foundation
import ServiceKitTestKit
import Testing

/// The catalog as a storefront and shop staff use it, through the gateway, and its part of
/// the checkout saga over Kafka.
@Suite("Catalog through the gateway", .serialized)
struct CatalogThroughGatewayTests {
    private func withCatalog(_ overrides: [String: String] = [:], _ body: (HTTPClient, SuiteProcesses, String, String) async throws -> Void) async throws {
        try await withServices(["catalog", "gateway"], portOffset: 500, overrides: overrides) { client, suite in
            let base = suite.baseURL("gateway")
            try await body(client, suite, base, try await adminToken(client, gateway: base))
        }
    }

    private func unique(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    private func fields(_ answer: Answer) -> [String] {
        ((answer.json?["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String }
    }

    @Test("staff create, publish and price products; shoppers see only published ones, search, filter, sort and page them")
    func productsAndListing() async throws {
        try await withCatalog { client, suite, base, admin in
            let staff = ["Authorization": "Bearer \(admin)"]
            let word = "zq" + UUID().uuidString.prefix(6).lowercased().filter(\.isLetter)
            let category = try await send(client, "POST", base + "/api/catalog/admin/categories",
                                          json: ["slug": unique("tea"), "name": "Tea"], headers: staff)
            #expect(category.status == 201)
            let categoryID = try #require(category.json?["id"] as? String)
            let categorySlug = try #require(category.json?["slug"] as? String)
            let slug = unique("oolong")
            let created = try await send(client, "POST", base + "/api/catalog/admin/products", json: [
                "slug": slug, "title": "Oolong \(word)", "description": "Roasted oolong from Lâm Đồng", "category_id": categoryID,
                "image_urls": ["https://images.example.com/oolong.jpg"],
                "status": "published", "total": 1, "reserved": 99,
                "variants": [
                    ["sku": unique("OOL-100G"), "title": "100 g", "options": ["weight": "100g"],
                     "price": ["minor_units": 120_000, "currency": "VND"], "on_hand": 7, "reserved": 5],
                    ["sku": unique("OOL-250G"), "title": "250 g", "options": ["weight": "250g"],
                     "price": ["minor_units": 250_000, "currency": "VND"], "compare_at_price": ["minor_units": 300_000, "currency": "VND"]],
                ],
            ], headers: staff)
            #expect(created.status == 201, "\(String(decoding: created.body, as: UTF8.self))")
            #expect(created.json?["status"] as? String == "draft", "a status sent by the client is ignored")
            let variants = try #require(created.json?["variants"] as? [[String: Any]])
            #expect(variants.first?["reserved"] as? Int == 0 && variants.first?["on_hand"] as? Int == 7, "reserved cannot be set")
            let productID = try #require(created.json?["id"] as? String)

            #expect(try await get(client, base + "/api/catalog/products/\(slug)").status == 404, "drafts are invisible")
            let published = try await send(client, "POST", base + "/api/catalog/admin/products/\(productID)/publish", headers: staff)
            #expect(published.json?["status"] as? String == "published")
            let detail = try await get(client, base + "/api/catalog/products/\(slug)")
            #expect(detail.status == 200)
            let shown = try #require(detail.json?["variants"] as? [[String: Any]])
            #expect(shown.count == 2)
            #expect(shown.first?["available"] as? Int == 7 && shown.first?["on_hand"] == nil, "shoppers see availability, not stock figures")
            #expect(shown.last?["in_stock"] as? Bool == false)

            let found = try await get(client, base + "/api/catalog/products?q=\(word)")
            #expect((found.json?["items"] as? [[String: Any]])?.map { $0["slug"] as? String } == [slug], "found by a word of its title")
            #expect(found.json?["total"] as? Int == 1)
            let byPrefix = try await get(client, base + "/api/catalog/products?q=\(word.prefix(4))&category=\(categorySlug)")
            #expect((byPrefix.json?["items"] as? [[String: Any]])?.count == 1, "prefix search within the category")
            let unaccented = try await get(client, base + "/api/catalog/products?q=\(word)+lam+dong")
            #expect((unaccented.json?["items"] as? [[String: Any]])?.count == 1, "\"lam dong\" finds \"Lâm Đồng\"")
            let accented = try await get(client, base + "/api/catalog/products?q=\(word)+L%C3%A2m+%C4%90%E1%BB%93ng")
            #expect((accented.json?["items"] as? [[String: Any]])?.count == 1, "typed with accents too")
            let decomposed = try await get(client, base + "/api/catalog/products?q=\(word)+La%CC%82m+%C4%90o%CC%82%CC%80ng")
            #expect((decomposed.json?["items"] as? [[String: Any]])?.count == 1, "accents typed as combining marks (NFD) too")
            let inCategory = try await get(client, base + "/api/catalog/products?category=\(categorySlug)&sort=price_asc")
            let price = ((inCategory.json?["items"] as? [[String: Any]])?.first?["price"] as? [String: Any])?["minor_units"] as? Int
            #expect(price == 120_000, "a product lists at its lowest variant price")
            let tooBig = try await get(client, base + "/api/catalog/products?page_size=500")
            #expect(tooBig.status == 422)
            #expect(fields(tooBig) == ["page_size"])
            let badSort = try await get(client, base + "/api/catalog/products?sort=cheapest")
            #expect(badSort.status == 422 && fields(badSort) == ["sort"])

            let variantID = try #require(variants.first?["id"] as? String)
            let repriced = try await send(client, "PATCH", base + "/api/catalog/admin/variants/\(variantID)",
                                          json: ["price": ["minor_units": 99_000, "currency": "VND"]], headers: staff)
            #expect(repriced.status == 200)
            let priceEvents = try await suite.events(on: "catalog.events", type: PriceChanged.eventType, subject: productID)
            let change = try #require(priceEvents.first).decodeData(PriceChanged.self)
            #expect(change.previousPrice.minorUnits == 120_000 && change.price.minorUnits == 99_000)
            #expect(try await suite.events(on: "catalog.events", type: ProductPublished.eventType, subject: productID).count == 1)

            let archived = try await send(client, "POST", base + "/api/catalog/admin/products/\(productID)/archive", headers: staff)
            #expect(archived.json?["status"] as? String == "archived")
            #expect(try await get(client, base + "/api/catalog/products/\(slug)").status == 404, "archived products are invisible")
        }
    }

    @Test("bad input is a 4xx naming the field and writes nothing; customers and guests cannot reach admin routes; unknown ids are 404")
    func badInputAndAccess() async throws {
        try await withCatalog { client, _, base, admin in
            let staff = ["Authorization": "Bearer \(admin)"]
            let invalid = try await send(client, "POST", base + "/api/catalog/admin/products", json: [
                "slug": "Not A Slug", "title": "",
                "variants": [["sku": "ok-1", "price": ["minor_units": -5, "currency": "VND"]],
                             ["sku": "ok-2", "price": ["minor_units": 100, "currency": "XYZ"]]],
            ], headers: staff)
            #expect(invalid.status == 422)
            #expect(Set(fields(invalid)) == ["slug", "title", "variants[0].price.minor_units", "variants[1].price.currency"])

            let sku = unique("SKU")
            let first = try await send(client, "POST", base + "/api/catalog/admin/products", json: [
                "slug": unique("first"), "title": "First", "variants": [["sku": sku, "price": ["minor_units": 1000, "currency": "VND"]]],
            ], headers: staff)
            #expect(first.status == 201)
            let secondSlug = unique("second")
            let duplicateSKU = try await send(client, "POST", base + "/api/catalog/admin/products", json: [
                "slug": secondSlug, "title": "Second", "variants": [["sku": sku, "price": ["minor_units": 1000, "currency": "VND"]]],
            ], headers: staff)
            #expect(duplicateSKU.status == 409)
            #expect(fields(duplicateSKU) == ["variants[].sku"])
            let retried = try await send(client, "POST", base + "/api/catalog/admin/products", json: [
                "slug": secondSlug, "title": "Second", "variants": [["sku": unique("SKU"), "price": ["minor_units": 1000, "currency": "VND"]]],
            ], headers: staff)
            #expect(retried.status == 201, "the refused product left nothing behind: its slug is still free")
            let duplicateSlug = try await send(client, "POST", base + "/api/catalog/admin/products",
                                               json: ["slug": secondSlug, "title": "Again"], headers: staff)
            #expect(duplicateSlug.status == 409 && fields(duplicateSlug) == ["slug"])

            let productID = try #require(first.json?["id"] as? String)
            let variantID = try #require((first.json?["variants"] as? [[String: Any]])?.first?["id"] as? String)
            #expect(try await send(client, "GET", base + "/api/catalog/admin/products/\(UUID().uuidString)", headers: staff).status == 404)
            #expect(try await send(client, "GET", base + "/api/catalog/admin/products/not-an-id", headers: staff).status == 404)
            #expect(try await send(client, "PATCH", base + "/api/catalog/admin/variants/\(UUID().uuidString)",
                                   json: ["title": "x"], headers: staff).status == 404)
            let bare = try await send(client, "POST", base + "/api/catalog/admin/products",
                                      json: ["slug": unique("bare"), "title": "No variants yet"], headers: staff)
            let bareID = try #require(bare.json?["id"] as? String)
            let noVariants = try await send(client, "POST", base + "/api/catalog/admin/products/\(bareID)/publish", headers: staff)
            #expect(noVariants.status == 409 && noVariants.problemType == "/problems/product-without-variants")

            let customer = try await send(client, "POST", base + "/api/auth/register", json: [
                "email": "\(unique("shopper"))@example.com", "password": "correct horse battery", "name": "Mai"])
            let customerToken = try #require(customer.json?["access_token"] as? String)
            #expect(try await send(client, "GET", base + "/api/catalog/admin/products/\(productID)",
                                   headers: ["Authorization": "Bearer \(customerToken)"]).status == 403)
            #expect(try await get(client, base + "/api/catalog/admin/products/\(productID)").status == 401)

            // Stock: an absolute count and adjustments, never below what is there.
            let set = try await send(client, "PUT", base + "/api/catalog/admin/variants/\(variantID)/stock",
                                     json: ["on_hand": 5, "reason": "stocktake"], headers: staff)
            #expect(set.status == 200 && set.json?["available"] as? Int == 5)
            let tooMuch = try await send(client, "POST", base + "/api/catalog/admin/variants/\(variantID)/stock/adjustments",
                                         json: ["delta": -6, "reason": "breakage"], headers: staff)
            #expect(tooMuch.status == 409 && fields(tooMuch) == ["delta"])
            let noReason = try await send(client, "POST", base + "/api/catalog/admin/variants/\(variantID)/stock/adjustments",
                                          json: ["delta": 3, "reason": " "], headers: staff)
            #expect(noReason.status == 422 && fields(noReason) == ["reason"])
            let delivered = try await send(client, "POST", base + "/api/catalog/admin/variants/\(variantID)/stock/adjustments",
                                           json: ["delta": 3, "reason": "delivery"], headers: staff)
            #expect(delivered.json?["on_hand"] as? Int == 8)
            let report = try await send(client, "GET", base + "/api/catalog/admin/variants/\(variantID)/stock", headers: staff)
            let movements = try #require((report.json?["movements"] as? [String: Any])?["items"] as? [[String: Any]])
            #expect(movements.map { $0["kind"] as? String } == ["adjust", "set"], "newest first; the refused adjustment left no trace")
            #expect(movements.map { $0["on_hand_delta"] as? Int } == [3, 5])
        }
    }

    @Test("the shop window answers with an entity tag and Cache-Control, 304 to a client that has it, and shows every change at once: staff's, a reservation's, a write from outside the process")
    func shopWindowRevalidation() async throws {
        try await withCatalog(["SHOP_WINDOW_MAX_AGE_SECONDS": "7"]) { client, suite, base, admin in
            let staff = ["Authorization": "Bearer \(admin)"]
            let word = "zw" + UUID().uuidString.prefix(6).lowercased().filter(\.isLetter)
            let slug = unique("dripper")
            let sku = unique("DRIP")
            let created = try await send(client, "POST", base + "/api/catalog/admin/products", json: [
                "slug": slug, "title": "Dripper \(word)", "variants": [["sku": sku, "price": ["minor_units": 390_000, "currency": "VND"], "on_hand": 5]],
            ], headers: staff)
            let productID = try #require(created.json?["id"] as? String)
            let variantID = try #require((created.json?["variants"] as? [[String: Any]])?.first?["id"] as? String)
            #expect(try await send(client, "POST", base + "/api/catalog/admin/products/\(productID)/publish", headers: staff).status == 200)
            let page = base + "/api/catalog/products/\(slug)"
            func available(_ answer: Answer) -> Int? { (answer.json?["variants"] as? [[String: Any]])?.first?["available"] as? Int }
            func revalidate(_ url: String, _ tag: String) async throws -> Answer {
                try await send(client, "GET", url, headers: ["If-None-Match": tag])
            }

            let first = try await get(client, page)
            #expect(first.status == 200 && available(first) == 5)
            let tag = try #require(first.header("ETag"), "a product page carries an entity tag")
            #expect(tag.hasPrefix("\"") && tag.hasSuffix("\"") && tag.count > 10, "a strong tag: \(tag)")
            #expect(first.header("Cache-Control") == "public, max-age=7", "browsers and CDNs may keep it for the configured time")
            #expect(first.header("Vary")?.contains("Origin") == true, "a CDN keeps one copy per origin (CORS headers differ)")
            let again = try await get(client, page)
            #expect(again.header("ETag") == tag && again.body == first.body, "the same page twice is the same bytes and tag")
            let notModified = try await revalidate(page, tag)
            #expect(notModified.status == 304 && notModified.body.isEmpty, "a client that has the page gets 304 without it")
            #expect(notModified.header("ETag") == tag && notModified.header("Cache-Control") == "public, max-age=7")
            #expect(try await revalidate(page, "\"other\", W/\(tag)").status == 304, "a weak form of the tag in a list matches too")
            #expect(try await revalidate(page, "\"other\"").status == 200, "another tag gets the page")

            let listing = base + "/api/catalog/products?q=\(word)"
            let listed = try await get(client, listing)
            let listingTag = try #require(listed.header("ETag"))
            #expect((listed.json?["items"] as? [[String: Any]])?.first?["in_stock"] as? Bool == true)
            #expect(try await revalidate(listing, listingTag).status == 304)
            let categories = try await get(client, base + "/api/catalog/categories")
            #expect(categories.status == 200 && categories.header("ETag") != nil && categories.jsonArray != nil)

            // A reservation (over Kafka, in the catalog's own handler) changes availability.
            let checkout = UUID().uuidString.lowercased()
            try await suite.publish(CheckoutSubmitted(checkoutId: try #require(CheckoutID(checkout)), lines: [CheckoutLine(variantId: try #require(VariantID(variantID)), quantity: 2)]),
                                    on: "checkout.events", subject: checkout, source: "/services/checkout")
            #expect(try await suite.events(on: "catalog.events", type: InventoryReserved.eventType, subject: checkout).count == 1)
            // The window hears of it by PostgreSQL's notification, milliseconds after the commit.
            var reserved = try await revalidate(page, tag)
            _ = try await waitUntil(timeout: .seconds(5)) {
                reserved = try await revalidate(page, tag)
                return reserved.status == 200
            }
            #expect(reserved.status == 200 && available(reserved) == 3, "the reservation shows")
            let reservedTag = try #require(reserved.header("ETag"))
            #expect(reservedTag != tag)

            // Staff change the title: the next read shows it, the listing too.
            #expect(try await send(client, "PATCH", base + "/api/catalog/admin/products/\(productID)",
                                   json: ["title": "Glass dripper \(word)"], headers: staff).status == 200)
            let renamed = try await revalidate(page, reservedTag)
            #expect(renamed.status == 200 && renamed.json?["title"] as? String == "Glass dripper \(word)")
            let relisted = try await revalidate(listing, listingTag)
            #expect(relisted.status == 200 && (relisted.json?["items"] as? [[String: Any]])?.first?["title"] as? String == "Glass dripper \(word)")
            let renamedTag = try #require(renamed.header("ETag"))

            // A write that is not this process's (another replica, an operator's fix) reaches it through PostgreSQL's notification.
            try await suite.runSQL(in: "catalog", "UPDATE variants SET on_hand = reserved WHERE sku = '\(sku)'")
            var outside = try await revalidate(page, renamedTag)
            _ = try await waitUntil(timeout: .seconds(5)) {
                outside = try await revalidate(page, renamedTag)
                return outside.status == 200
            }
            #expect(outside.status == 200 && available(outside) == 0 && (outside.json?["variants"] as? [[String: Any]])?.first?["in_stock"] as? Bool == false,
                    "the page shows the outside write: \(String(decoding: outside.body, as: UTF8.self))")
            let soldOut = try await get(client, listing)
            #expect((soldOut.json?["items"] as? [[String: Any]])?.first?["in_stock"] as? Bool == false)

            // Archived: gone from the window at once.
            #expect(try await send(client, "POST", base + "/api/catalog/admin/products/\(productID)/archive", headers: staff).status == 200)
            #expect(try await get(client, page).status == 404)
            #expect(try await get(client, listing).json?["total"] as? Int == 0)
        }
    }

    @Test("a submitted checkout's lines are reserved over Kafka; a closed checkout releases them; an unsettled reservation expires")
    func sagaReservations() async throws {
        try await withCatalog(["RESERVATION_TTL_SECONDS": "10", "RESERVATION_SWEEP_SECONDS": "1"]) { client, suite, base, admin in
            let staff = ["Authorization": "Bearer \(admin)"]
            let slug = unique("kettle")
            let created = try await send(client, "POST", base + "/api/catalog/admin/products", json: [
                "slug": slug, "title": "Kettle", "variants": [["sku": unique("KET"), "price": ["minor_units": 450_000, "currency": "VND"], "on_hand": 3]],
            ], headers: staff)
            let productID = try #require(created.json?["id"] as? String)
            let variantID = try #require((created.json?["variants"] as? [[String: Any]])?.first?["id"] as? String)
            _ = try await send(client, "POST", base + "/api/catalog/admin/products/\(productID)/publish", headers: staff)

            let held = UUID().uuidString.lowercased()
            try await suite.publish(CheckoutSubmitted(checkoutId: try #require(CheckoutID(held)), lines: [CheckoutLine(variantId: try #require(VariantID(variantID)), quantity: 2)]),
                                    on: "checkout.events", subject: held, source: "/services/checkout", correlationId: "saga-1")
            let reserved = try await suite.events(on: "catalog.events", type: InventoryReserved.eventType, subject: held)
            let reservation = try #require(reserved.first)
            #expect(try reservation.decodeData(InventoryReserved.self).lines == [CheckoutLine(variantId: try #require(VariantID(variantID)), quantity: 2)])
            #expect(reservation.correlationId == "saga-1", "the correlation id travels through the saga")
            let available = try await get(client, base + "/api/catalog/products/\(slug)")
            #expect((available.json?["variants"] as? [[String: Any]])?.first?["available"] as? Int == 1)

            let tooMany = UUID().uuidString.lowercased()
            try await suite.publish(CheckoutSubmitted(checkoutId: try #require(CheckoutID(tooMany)), lines: [CheckoutLine(variantId: try #require(VariantID(variantID)), quantity: 2)]),
                                    on: "checkout.events", subject: tooMany, source: "/services/checkout")
            let rejected = try #require(try await suite.events(on: "catalog.events", type: InventoryRejected.eventType, subject: tooMany).first)
            #expect(try rejected.decodeData(InventoryRejected.self).shortLines == [ShortLine(variantId: try #require(VariantID(variantID)), requested: 2, available: 1)])

            // Nobody pays: the sweeper releases it after the TTL, and says so.
            let expired = try await suite.events(on: "catalog.events", type: ReservationReleased.eventType, subject: held)
            #expect(try expired.first?.decodeData(ReservationReleased.self).reason == "expired")
            let restored = try await get(client, base + "/api/catalog/products/\(slug)")
            #expect((restored.json?["variants"] as? [[String: Any]])?.first?["available"] as? Int == 3)

            let closed = UUID().uuidString.lowercased()
            try await suite.publish(CheckoutSubmitted(checkoutId: try #require(CheckoutID(closed)), lines: [CheckoutLine(variantId: try #require(VariantID(variantID)), quantity: 3)]),
                                    on: "checkout.events", subject: closed, source: "/services/checkout")
            // Same key, same partition: catalog sees the close right after the submission, well within the TTL.
            try await suite.publish(CheckoutClosed(checkoutId: try #require(CheckoutID(closed)), reason: "payment_failed"),
                                    on: "checkout.events", subject: closed, source: "/services/checkout")
            let released = try await suite.events(on: "catalog.events", type: ReservationReleased.eventType, subject: closed)
            #expect(try released.first?.decodeData(ReservationReleased.self).reason == "payment_failed")
            #expect(try await suite.events(on: "catalog.events", type: InventoryReserved.eventType, subject: closed).count == 1)
        }
    }
}
