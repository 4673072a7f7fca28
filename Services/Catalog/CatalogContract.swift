import ServiceKit

/// The catalog's public and admin routes as the OpenAPI document shows them (under
/// `/api/catalog` at the gateway).
enum CatalogContract {
    static let money = Schema.ref("Money")
    static let moneyInput = Schema.object([
        "minor_units": Schema.integer(minimum: 0, maximum: 1_000_000_000_000, description: "Integer minor units (VND has none: 150000 is 150,000 ₫)."),
        "currency": Schema.string(pattern: "^[A-Z]{3}$", description: "ISO 4217; one of the shop's currencies."),
    ], required: ["minor_units", "currency"])
    static let positiveMoneyInput = Schema.object([
        "minor_units": Schema.integer(minimum: 1, maximum: 1_000_000_000_000), "currency": Schema.string(pattern: "^[A-Z]{3}$"),
    ], required: ["minor_units", "currency"])
    static let slug = Schema.string(maxLength: 120, pattern: "^[a-z0-9]+(-[a-z0-9]+)*$")
    static let options = JSONValue.object([("type", "object"), ("additionalProperties", Schema.string(minLength: 1, maxLength: 80)), ("maxProperties", 10)])
    static let variantInput = Schema.object([
        "sku": Schema.string(minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9][A-Za-z0-9._-]*$"),
        "title": Schema.string(maxLength: 120), "options": options, "price": moneyInput, "compare_at_price": moneyInput,
        "on_hand": Schema.integer(minimum: 0, maximum: 1_000_000),
        "digital_file": digitalFile,
    ], required: ["sku", "price"])
    static let digitalFile = Schema.string(minLength: 1, maxLength: 255, pattern: "^[A-Za-z0-9_-][A-Za-z0-9._/-]*$", description: "Makes the variant digital: the file buyers download, relative to the download store.")
    static let imageURLs = Schema.array(of: Schema.string(format: "uri", maxLength: 2000), maxItems: 20)

    static let cartToken = (name: "X-Cart-Token", description: "A guest cart's token (not needed for a customer's own cart).", required: false)
    static let insufficientStock = APIOperation.Answer(409, "Not enough in stock; `errors` says how many are available.", schema: Schema.ref("Problem"))
    static let cartClosed = APIOperation.Answer(409, "The cart was merged or checked out.", schema: Schema.ref("Problem"))

    static let voucherReasons = ["unknown", "inactive", "not_started", "expired", "below_minimum", "used_up", "already_used",
                                 "wrong_currency", "empty_cart"]

    /// What a shop window read (listing, product page, categories) takes and answers besides
    /// its body: a client or CDN keeps the answer and asks again with its entity tag.
    static let revalidation = (name: "If-None-Match", description: "The `ETag` of a copy the client has; 304 when it is current.",
                               required: false)
    static let kept: [(String, String)] = [("ETag", "A strong entity tag of this answer."),
                                           ("Cache-Control", "`public, max-age=N`: how long it may be shown without asking again.")]
    static func notModified() -> APIOperation.Answer {
        .init(304, "The client's copy (`If-None-Match`) is current; no body.", headers: kept)
    }

    static let contract = APIContract(
        [
            .init(ShopWindowController.self, [
                APIOperation(.get, "/products", id: "listProducts", summary: "Published products: search, filter by category, sort, paginate.",
                             tag: "catalog", query: [
                                .init("q", Schema.string(maxLength: 200), "Words to find in titles and descriptions (prefix match)."),
                                .init("category", Schema.string(maxLength: 120), "A category slug; its sub-categories are included."),
                                .init("sort", Schema.string(oneOf: ProductStore.Sort.allCases.map(\.rawValue)),
                                      "newest (default), price_asc, price_desc, relevance (default with q)."),
                             ] + PageRequest.parameters, headers: [revalidation],
                             answers: [.init(200, "A page of products.", schema: Page<ProductSummary>.schema(of: Schema.ref("ProductSummary")),
                                             headers: kept), notModified()]),
                APIOperation(.get, "/products/{slug}", id: "productBySlug", summary: "A published product with its variants' availability.",
                             tag: "catalog", headers: [revalidation],
                             answers: [.init(200, "The product.", schema: Schema.ref("Product"), headers: kept), notModified()]),
                APIOperation(.get, "/categories", id: "listCategories", summary: "The category tree, as a list with parent ids.",
                             tag: "catalog", headers: [revalidation],
                             answers: [.init(200, "Every category.", schema: Schema.array(of: Schema.ref("Category")), headers: kept), notModified()]),
            ]),
            .init(ProductAdminController.self, [
                APIOperation(.post, "/admin/categories", id: "createCategory", summary: "Create a category.", tag: "catalog admin", body: Schema.object(["slug": slug, "name": Schema.string(minLength: 1, maxLength: 120), "parent_id": Schema.uuid],
                                                 required: ["slug", "name"]),
                             answers: [.init(201, "Created.", schema: Schema.ref("Category")),
                                       .init(409, "The slug is taken.", schema: Schema.ref("Problem"))]),
                APIOperation(.post, "/admin/products", id: "createProduct", summary: "Create a draft product, optionally with variants and stock.",
                             tag: "catalog admin", body: Schema.object([
                                "slug": slug, "title": Schema.string(minLength: 1, maxLength: 200), "description": Schema.string(maxLength: 20_000),
                                "image_urls": imageURLs, "category_id": Schema.uuid, "variants": Schema.array(of: variantInput, maxItems: 100),
                             ], required: ["slug", "title"]),
                             answers: [.init(201, "Created as a draft.", schema: Schema.ref("Product")),
                                       .init(409, "The slug or a SKU is taken.", schema: Schema.ref("Problem"))]),
                APIOperation(.get, "/admin/products/{id}", id: "productForStaff", summary: "A product in any status, with stock figures.",
                             tag: "catalog admin", answers: [.init(200, "The product.", schema: Schema.ref("Product"))]),
                APIOperation(.patch, "/admin/products/{id}", id: "updateProduct", summary: "Change a product's details.",
                             tag: "catalog admin", body: Schema.object([
                                "slug": slug, "title": Schema.string(minLength: 1, maxLength: 200), "description": Schema.string(maxLength: 20_000),
                                "image_urls": imageURLs, "category_id": Schema.uuid,
                             ]),
                             answers: [.init(200, "Changed.", schema: Schema.ref("Product")),
                                       .init(409, "The slug is taken.", schema: Schema.ref("Problem"))]),
                APIOperation(.post, "/admin/products/{id}/publish", id: "publishProduct", summary: "Put a product on sale.",
                             tag: "catalog admin", answers: [.init(200, "Published.", schema: Schema.ref("Product")),
                                       .init(409, "The product has no variant.", schema: Schema.ref("Problem"))]),
                APIOperation(.post, "/admin/products/{id}/archive", id: "archiveProduct", summary: "Withdraw a product from sale.",
                             tag: "catalog admin", answers: [.init(200, "Archived.", schema: Schema.ref("Product"))]),
                APIOperation(.post, "/admin/products/{id}/variants", id: "addVariant", summary: "Add a variant to a product.",
                             tag: "catalog admin", body: variantInput,
                             answers: [.init(201, "Added.", schema: Schema.ref("Product")),
                                       .init(409, "The SKU is taken.", schema: Schema.ref("Problem"))]),
                APIOperation(.patch, "/admin/variants/{id}", id: "updateVariant", summary: "Change a variant's title, options or price.",
                             tag: "catalog admin", body: Schema.object(["title": Schema.string(maxLength: 120), "options": options, "price": moneyInput,
                                                  "compare_at_price": moneyInput,
                                                  "digital_file": Schema.string(maxLength: 255, description: "A file makes the variant digital; an empty string makes it physical again.")]),
                             answers: [.init(200, "Changed.", schema: Schema.ref("Product"))]),
            ]),
            .init(StockController.self, [
                APIOperation(.put, "/admin/variants/{id}/stock", id: "setStock", summary: "Set the on-hand count (a stocktake).",
                             tag: "catalog admin", body: Schema.object(["on_hand": Schema.integer(minimum: 0, maximum: 1_000_000), "reason": Schema.string(maxLength: 500)],
                                                 required: ["on_hand"]),
                             answers: [.init(200, "The new level.", schema: Schema.ref("StockLevel")),
                                       .init(409, "Below what is reserved.", schema: Schema.ref("Problem"))]),
                APIOperation(.post, "/admin/variants/{id}/stock/adjustments", id: "adjustStock", summary: "Add or remove units, with a reason.",
                             tag: "catalog admin", body: Schema.object(["delta": Schema.integer(minimum: -1_000_000, maximum: 1_000_000),
                                                  "reason": Schema.string(minLength: 1, maxLength: 500)], required: ["delta", "reason"]),
                             answers: [.init(200, "The new level.", schema: Schema.ref("StockLevel")),
                                       .init(409, "Below what is reserved or zero.", schema: Schema.ref("Problem"))]),
                APIOperation(.get, "/admin/variants/{id}/stock", id: "stockReport", summary: "A variant's stock level and movement log.",
                             tag: "catalog admin", query: PageRequest.parameters,
                             answers: [.init(200, "Level and movements, newest first.", schema: Schema.ref("StockReport"))]),
            ]),
            .init(CartController.self, [
                APIOperation(.post, "/carts", id: "openCart",
                             summary: "A guest gets a new cart and its token (keep it; send it as X-Cart-Token); a customer gets their cart.",
                             tag: "cart", answers: [.init(201, "A new cart (with cart_token for a guest).", schema: Schema.ref("Cart")),
                                       .init(200, "The customer's existing cart.", schema: Schema.ref("Cart"))]),
                APIOperation(.get, "/carts/{id}", id: "cart", summary: "The cart at today's prices, changed lines flagged.",
                             tag: "cart", headers: [cartToken],
                             answers: [.init(200, "The cart.", schema: Schema.ref("Cart"))]),
                APIOperation(.post, "/carts/{id}/lines", id: "addCartLine", summary: "Add a variant (quantities add up).",
                             tag: "cart", headers: [cartToken],
                             body: Schema.object(["variant_id": Schema.uuid, "quantity": Schema.integer(minimum: 1, maximum: CartStore.maxQuantity)],
                                                 required: ["variant_id", "quantity"]),
                             answers: [.init(200, "The cart.", schema: Schema.ref("Cart")), insufficientStock, cartClosed]),
                APIOperation(.patch, "/carts/{id}/lines/{variant_id}", id: "setCartLineQuantity", summary: "Change a line's quantity; 0 removes it.",
                             tag: "cart", headers: [cartToken],
                             body: Schema.object(["quantity": Schema.integer(minimum: 0, maximum: CartStore.maxQuantity)], required: ["quantity"]),
                             answers: [.init(200, "The cart.", schema: Schema.ref("Cart")), insufficientStock, cartClosed]),
                APIOperation(.delete, "/carts/{id}/lines/{variant_id}", id: "removeCartLine", summary: "Remove a line.",
                             tag: "cart", headers: [cartToken],
                             answers: [.init(200, "The cart.", schema: Schema.ref("Cart")), cartClosed]),
                APIOperation(.delete, "/carts/{id}/lines", id: "clearCart", summary: "Remove every line.",
                             tag: "cart", headers: [cartToken],
                             answers: [.init(200, "The empty cart.", schema: Schema.ref("Cart")), cartClosed]),
                APIOperation(.post, "/carts/{id}/voucher/validate", id: "checkVoucher",
                             summary: "Whether a code applies to the cart now, what it takes off, or why not.",
                             tag: "cart", headers: [cartToken],
                             body: Schema.object(["code": Schema.string(minLength: 1, maxLength: 40)], required: ["code"]),
                             answers: [.init(200, "The verdict.", schema: Schema.ref("VoucherCheck"))]),
                APIOperation(.put, "/carts/{id}/voucher", id: "applyVoucher", summary: "Put a voucher on the cart.",
                             tag: "cart", headers: [cartToken],
                             body: Schema.object(["code": Schema.string(minLength: 1, maxLength: 40)], required: ["code"]),
                             answers: [.init(200, "The cart with its discount.", schema: Schema.ref("Cart")), cartClosed]),
                APIOperation(.delete, "/carts/{id}/voucher", id: "removeVoucher", summary: "Take the voucher off the cart.",
                             tag: "cart", headers: [cartToken],
                             answers: [.init(200, "The cart.", schema: Schema.ref("Cart")), cartClosed]),
            ]),
            .init(CartMergeController.self, [
                APIOperation(.post, "/carts/{id}/merge", id: "mergeGuestCart",
                             summary: "After sign-in: move a guest cart's lines into the customer's cart (capped at what is available).",
                             tag: "cart", body: Schema.object(["guest_cart_id": Schema.uuid, "guest_cart_token": Schema.string()],
                                                 required: ["guest_cart_id", "guest_cart_token"]),
                             answers: [.init(200, "The customer's cart.", schema: Schema.ref("Cart")), cartClosed]),
            ]),
            .init(VoucherAdminController.self, [
                APIOperation(.post, "/admin/vouchers", id: "createVoucher", summary: "Create a voucher.", tag: "vouchers", body: Schema.object([
                                "code": Schema.string(minLength: 3, maxLength: 40, pattern: "^[A-Za-z0-9_-]+$"),
                                "kind": Schema.string(oneOf: ["percentage", "fixed"]), "percent": Schema.integer(minimum: 1, maximum: 100),
                                "amount": positiveMoneyInput, "minimum_subtotal": moneyInput, "maximum_discount": positiveMoneyInput,
                                "starts_at": Schema.timestamp, "ends_at": Schema.timestamp,
                                "usage_limit": Schema.integer(minimum: 1, maximum: 10_000_000), "per_customer_limit": Schema.integer(minimum: 1, maximum: 1000),
                             ], required: ["code", "kind"]),
                             answers: [.init(201, "Created.", schema: Schema.ref("Voucher")),
                                       .init(409, "The code is taken (codes ignore case).", schema: Schema.ref("Problem"))]),
                APIOperation(.get, "/admin/vouchers", id: "listVouchers", summary: "Vouchers with their usage counts.", tag: "vouchers",
                             answers: [.init(200, "The newest 500.", schema: Schema.array(of: Schema.ref("Voucher")))]),
                APIOperation(.patch, "/admin/vouchers/{id}", id: "updateVoucher", summary: "Change a voucher's window, limits or active flag.",
                             tag: "vouchers", body: Schema.object([
                                "active": Schema.boolean, "starts_at": Schema.timestamp, "ends_at": Schema.timestamp,
                                "usage_limit": Schema.integer(minimum: 1, maximum: 10_000_000), "per_customer_limit": Schema.integer(minimum: 1, maximum: 1000),
                             ]),
                             answers: [.init(200, "Changed.", schema: Schema.ref("Voucher"))]),
                APIOperation(.post, "/admin/vouchers/{id}/deactivate", id: "deactivateVoucher", summary: "Stop offering a voucher.",
                             tag: "vouchers", answers: [.init(200, "Deactivated.", schema: Schema.ref("Voucher"))]),
            ]),
        ],
        schemas: [
            ("Voucher", Schema.object([
                "id": Schema.uuid, "code": Schema.string(), "kind": Schema.string(oneOf: ["percentage", "fixed"]),
                "percent": Schema.integer(minimum: 1, maximum: 100), "amount": money, "minimum_subtotal": money, "maximum_discount": money,
                "starts_at": Schema.timestamp, "ends_at": Schema.timestamp, "usage_limit": Schema.integer(minimum: 1),
                "per_customer_limit": Schema.integer(minimum: 1), "used_count": Schema.integer(minimum: 0), "active": Schema.boolean,
            ], required: ["id", "code", "kind", "used_count", "active"])),
            ("VoucherCheck", Schema.object([
                "code": Schema.string(), "valid": Schema.boolean, "reason": Schema.string(oneOf: voucherReasons),
                "message": Schema.string(), "discount": money,
            ], required: ["code", "valid"])),
            Schema.moneyComponent,
            ("CartLine", Schema.object([
                "variant_id": Schema.uuid, "product_id": Schema.uuid, "product_slug": Schema.string(), "title": Schema.string(),
                "sku": Schema.string(), "options": ["type": "object"], "quantity": Schema.integer(minimum: 1),
                "unit_price": money, "previous_unit_price": money, "price_changed": Schema.boolean,
                "available": Schema.integer(minimum: 0), "insufficient_stock": Schema.boolean, "line_total": money,
                "digital": Schema.boolean,
            ], required: ["variant_id", "product_id", "product_slug", "title", "sku", "options", "quantity", "unit_price",
                          "price_changed", "available", "insufficient_stock", "line_total", "digital"])),
            ("Cart", Schema.object([
                "id": Schema.uuid, "status": Schema.string(oneOf: ["active", "merged", "checked_out"]), "currency": Schema.string(),
                "lines": Schema.array(of: Schema.ref("CartLine")), "item_count": Schema.integer(minimum: 0),
                "subtotal": money, "discount": money, "total": money,
                "voucher": Schema.object(["code": Schema.string(), "valid": Schema.boolean, "reason": Schema.string()], required: ["code", "valid"]),
                "version": Schema.integer(minimum: 0), "updated_at": Schema.timestamp,
                "cart_token": Schema.string(description: "Only when a guest cart is created."),
            ], required: ["id", "status", "lines", "item_count", "version", "updated_at"])),
            ("ProductSummary", Schema.object([
                "id": Schema.uuid, "slug": Schema.string(), "title": Schema.string(), "image_url": Schema.string(),
                "category_id": Schema.uuid, "price": money, "compare_at_price": money, "in_stock": Schema.boolean,
                "published_at": Schema.timestamp,
            ], required: ["id", "slug", "title", "in_stock"])),
            ("Variant", Schema.object([
                "id": Schema.uuid, "sku": Schema.string(), "title": Schema.string(), "options": ["type": "object"],
                "price": money, "compare_at_price": money, "available": Schema.integer(minimum: 0), "in_stock": Schema.boolean,
                "on_hand": Schema.integer(minimum: 0), "reserved": Schema.integer(minimum: 0),
                "digital": Schema.boolean, "digital_file": Schema.string(description: "Staff only."),
            ], required: ["id", "sku", "title", "options", "price", "available", "in_stock", "digital"])),
            ("CategoryRef", Schema.object(["id": Schema.uuid, "slug": Schema.string(), "name": Schema.string()], required: ["id", "slug", "name"])),
            ("Category", Schema.object(["id": Schema.uuid, "parent_id": Schema.uuid, "slug": Schema.string(), "name": Schema.string()],
                                       required: ["id", "slug", "name"])),
            ("Product", Schema.object([
                "id": Schema.uuid, "slug": Schema.string(), "title": Schema.string(), "description": Schema.string(),
                "image_urls": Schema.array(of: Schema.string()), "status": Schema.string(oneOf: ["draft", "published", "archived"]),
                "category": Schema.ref("CategoryRef"), "variants": Schema.array(of: Schema.ref("Variant")),
                "created_at": Schema.timestamp, "updated_at": Schema.timestamp, "published_at": Schema.timestamp,
            ], required: ["id", "slug", "title", "description", "image_urls", "status", "variants", "created_at", "updated_at"])),
            ("StockLevel", Schema.object([
                "variant_id": Schema.uuid, "sku": Schema.string(), "on_hand": Schema.integer(minimum: 0),
                "reserved": Schema.integer(minimum: 0), "available": Schema.integer(minimum: 0),
            ], required: ["variant_id", "sku", "on_hand", "reserved", "available"])),
            ("StockMovement", Schema.object([
                "id": Schema.integer(), "kind": Schema.string(oneOf: ["set", "adjust", "reserve", "release", "sale", "restock", "correction"]),
                "on_hand_delta": Schema.integer(), "reserved_delta": Schema.integer(), "on_hand_after": Schema.integer(minimum: 0),
                "reserved_after": Schema.integer(minimum: 0), "reason": Schema.string(), "reference": Schema.string(), "at": Schema.timestamp,
            ], required: ["id", "kind", "on_hand_delta", "reserved_delta", "on_hand_after", "reserved_after", "at"])),
            ("StockReport", Schema.object([
                "level": Schema.ref("StockLevel"), "movements": Page<StockMovement>.schema(of: Schema.ref("StockMovement")),
            ], required: ["level", "movements"])),
        ])
}
