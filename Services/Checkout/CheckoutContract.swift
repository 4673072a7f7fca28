import ServiceKit

/// The checkout's routes as the OpenAPI document shows them (under `/api/checkout` at the
/// gateway).
enum CheckoutContract {
    static let money = Schema.ref("Money")
    static let cartToken = (name: "X-Cart-Token", description: "The guest cart's token (guests only).", required: false)
    static let checkoutToken = (name: "X-Checkout-Token",
                                description: "A guest's checkout without a cart (Buy Now, a checkout page): the secret the guest made (32 to 128 of A-Z, a-z, 0-9, - and _) and placed it with; required to place one as a guest, and to follow it.",
                                required: false)
    static let prefer = (name: "Prefer", description: "`wait=N` (N ≤ 10): wait up to N seconds for an order and payment instructions.",
                         required: false)
    static let changedFrom = (name: "If-None-Match",
                              description: "The `ETag` of the copy the client has: with `Prefer: wait=N`, wait for any change of it instead; 304 when there was none.",
                              required: false)
    static let statuses = CheckoutStatus.allCases.map(\.rawValue)
    static let billingAddress: JSONValue = ["$ref": "#/components/schemas/ShippingAddress",
                                            "description": "Where the invoice goes, when not where the goods go (the same rules as shipping_address)."]
    static let customerNote = Schema.string(maxLength: 1000, description: "What the buyer tells the shop (a gate code, a gift message); kept on the order.")

    /// How many a buyer may take in one checkout on a page.
    static let quantityLimits = Schema.object([
        "min": Schema.integer(minimum: 1), "max": Schema.integer(minimum: 1, maximum: CheckoutRequest.quantityLimit),
    ], required: ["min", "max"])

    /// A page as staff send it, with the members `required` on creation.
    static func pageDraft(requiring required: [String]) -> JSONValue {
        Schema.object([
            "slug": Schema.string(minLength: 1, maxLength: 80, pattern: "^[a-z0-9]+(-[a-z0-9]+)*$"),
            "title": Schema.string(minLength: 1, maxLength: 120), "description": Schema.string(maxLength: 5000),
            "image_url": Schema.string(format: "uri"),
            "options": Schema.array(of: Schema.object(["variant_id": Schema.uuid, "label": Schema.string(minLength: 1, maxLength: 80)],
                                                      required: ["variant_id", "label"]), maxItems: PageDraft.optionLimit),
            "quantity": quantityLimits,
            "fields": Schema.array(of: Schema.ref("CustomField"), maxItems: PageDraft.fieldLimit),
            "vouchers_allowed": Schema.boolean, "success_url": Schema.string(format: "uri"), "cancel_url": Schema.string(format: "uri"),
            "embed_origins": Schema.array(of: Schema.string(pattern: "^https?://[^/]+$"), maxItems: 20),
        ], required: required)
    }

    static let contract = APIContract(
        [
            .init(CheckoutController.self, [
                APIOperation(.post, "/checkouts", id: "createCheckout",
                             summary: "Check a cart out, or buy variants at once without one (Buy Now): reserve the goods, price them on the server and place the order.",
                             tag: "checkout", headers: [(name: "Idempotency-Key", description: "Required; repeating it with the same body returns the same answer.",
                                        required: true), cartToken, checkoutToken, prefer],
                             body: Schema.object([
                                "cart_id": Schema.uuid,
                                "cart_version": Schema.integer(minimum: 0, description: "The cart version the customer saw."),
                                "items": Schema.array(of: Schema.object([
                                    "variant_id": Schema.uuid, "quantity": Schema.integer(minimum: 1, maximum: CheckoutRequest.quantityLimit),
                                ], required: ["variant_id", "quantity"], description: "Buy Now: a variant to buy instead of a cart (each once)."),
                                minItems: 1, maxItems: CheckoutRequest.itemLimit),
                                "contact": Schema.ref("Contact"), "shipping_address": Schema.ref("ShippingAddress"),
                                "billing_address": billingAddress, "customer_note": customerNote,
                                "payment_method": Schema.string(oneOf: CheckoutRequest.paymentMethods),
                                "voucher_code": Schema.string(maxLength: 64),
                             ], required: ["contact", "shipping_address", "payment_method"],
                                description: "Exactly one of `cart_id` and `items`."),
                             answers: [.init(202, "Submitted; follow `status` (or wait with `Prefer`).", schema: Schema.ref("Checkout"),
                                             headers: [("Location", "The checkout."), ("Idempotent-Replayed", "`true` when this repeats an earlier answer."),
                                                       ("Preference-Applied", "The wait that was applied."),
                                                       ("ETag", "After a wait: the checkout's tag, for `If-None-Match`.")]),
                                       .init(409, "The cart is being checked out, closed, or not known to checkout yet; or the same key is in flight.",
                                             schema: Schema.ref("Problem"))]),
                APIOperation(.get, "/checkouts/{id}", id: "getCheckout", summary: "A checkout's status, order number and payment instructions.",
                             tag: "checkout", headers: [cartToken, checkoutToken, prefer, changedFrom],
                             answers: [.init(200, "The checkout.", schema: Schema.ref("Checkout"),
                                             headers: [("Preference-Applied", "The wait that was applied."),
                                                       ("ETag", "Changes with every change of the checkout.")]),
                                       .init(304, "Unchanged since the copy named in `If-None-Match` (within the wait, if one was asked for).",
                                             headers: [("ETag", "The same tag."), ("Preference-Applied", "The wait that was applied.")])]),
                APIOperation(.post, "/checkouts/{id}/cancel", id: "abandonCheckout", summary: "Give up a checkout before paying; its goods are released.",
                             tag: "checkout", headers: [cartToken, checkoutToken],
                             answers: [.init(200, "Abandoned.", schema: Schema.ref("Checkout")),
                                       .init(409, "It is already paid, completed or closed.", schema: Schema.ref("Problem"))]),
            ]),
            .init(AddressBookController.self, [
                APIOperation(.get, "/addresses/vn/provinces", id: "vietnamProvinces",
                             summary: "Vietnam's 34 provinces and cities since 1 July 2025, for an address form's first select.", tag: "addresses",
                             answers: [.init(200, "The provinces, with the list's source.", schema: Schema.object([
                                 "source": Schema.string(), "items": Schema.array(of: Schema.ref("Division")),
                             ], required: ["source", "items"]), headers: [("Cache-Control", "Kept a day.")])]),
                APIOperation(.get, "/addresses/vn/provinces/{code}/wards", id: "vietnamWards",
                             summary: "A province's communes and wards (no districts since the reform), for the second select.", tag: "addresses",
                             answers: [.init(200, "The province and its wards.", schema: Schema.object([
                                 "province": Schema.ref("Division"), "items": Schema.array(of: Schema.ref("Division")),
                             ], required: ["province", "items"]), headers: [("Cache-Control", "Kept a day.")])]),
            ]),
            .init(PageAdminController.self, [
                APIOperation(.post, "/admin/pages", id: "createCheckoutPage",
                             summary: "Build a checkout page (a draft): what it sells, its questions, where it may be embedded.",
                             tag: "checkout pages", body: pageDraft(requiring: ["slug", "title"]),
                             answers: [.init(201, "The draft, with its link and embed code.", schema: Schema.ref("CheckoutPage")),
                                       .init(409, "The store has a page with this slug.", schema: Schema.ref("Problem"))]),
                APIOperation(.get, "/admin/pages", id: "checkoutPages", summary: "The store's checkout pages with their figures, newest first.",
                             tag: "checkout pages",
                             query: [.init("status", Schema.string(oneOf: PageStatus.allCases.map(\.rawValue)), "Only pages with this status.")],
                             answers: [.init(200, "The pages.", schema: Schema.array(of: Schema.ref("CheckoutPage")))]),
                APIOperation(.get, "/admin/pages/{id}", id: "checkoutPage", summary: "A page, its embed code and its figures.", tag: "checkout pages",
                             answers: [.init(200, "The page.", schema: Schema.ref("CheckoutPage"))]),
                APIOperation(.patch, "/admin/pages/{id}", id: "changeCheckoutPage",
                             summary: "Change a page; what is left out stays (options and fields are replaced whole).", tag: "checkout pages",
                             body: pageDraft(requiring: []),
                             answers: [.init(200, "The page.", schema: Schema.ref("CheckoutPage")),
                                       .init(409, "The store has another page with this slug.", schema: Schema.ref("Problem"))]),
                APIOperation(.put, "/admin/pages/{id}/fields/order", id: "reorderCheckoutPageFields",
                             summary: "Put a page's questions in a new order in one call.", tag: "checkout pages",
                             body: Schema.object(["keys": Schema.array(of: Schema.string())], required: ["keys"],
                                                 description: "Every field key of the page, once, in the new order."),
                             answers: [.init(200, "The page.", schema: Schema.ref("CheckoutPage"))]),
                APIOperation(.post, "/admin/pages/{id}/publish", id: "publishCheckoutPage",
                             summary: "Open a page to buyers; it must offer variants that are on sale.", tag: "checkout pages",
                             answers: [.init(200, "Published.", schema: Schema.ref("CheckoutPage"))]),
                APIOperation(.post, "/admin/pages/{id}/archive", id: "archiveCheckoutPage",
                             summary: "Close a page: buyers are told it is gone (410).", tag: "checkout pages",
                             answers: [.init(200, "Archived.", schema: Schema.ref("CheckoutPage"))]),
                APIOperation(.post, "/admin/pages/{id}/unpublish", id: "unpublishCheckoutPage",
                             summary: "Take a page back to draft: buyers no longer find it (404).", tag: "checkout pages",
                             answers: [.init(200, "A draft again.", schema: Schema.ref("CheckoutPage"))]),
                APIOperation(.post, "/admin/pages/{id}/duplicate", id: "duplicateCheckoutPage",
                             summary: "A draft copy of a page under a free slug (`<slug>-copy`).", tag: "checkout pages",
                             answers: [.init(201, "The copy.", schema: Schema.ref("CheckoutPage"))]),
            ]),
            .init(PageWidgetController.self, [
                APIOperation(.get, "/widget/{store}/{page}", id: "widgetPage",
                             summary: "A published page as buyers see it (store by slug, or id); counts a view, once a day per visitor.",
                             tag: "checkout widget",
                             answers: [.init(200, "The page.", schema: Schema.ref("PublicPage")),
                                       .init(410, "The page was archived.", schema: Schema.ref("Problem"))]),
                APIOperation(.get, "/widget/{store}/{page}/pay", id: "hostedPage",
                             summary: "The page as a web page of its own: the link to share, and what iframes show.", tag: "checkout widget",
                             answers: [.init(200, "The page; only its embed origins may frame it (`Content-Security-Policy: frame-ancestors`).",
                                             headers: [("Content-Security-Policy", "frame-ancestors 'self' and the page's embed origins.")],
                                             contentType: "text/html"),
                                       .init(410, "The page was archived.", schema: Schema.ref("Problem"))]),
                APIOperation(.post, "/widget/{store}/{page}/checkouts", id: "widgetCheckout",
                             summary: "Check out on a page: through the same saga as a cart (reservation, order, payment).", tag: "checkout widget",
                             headers: [(name: "Idempotency-Key", description: "Required; repeating it with the same body returns the same answer.",
                                        required: true), checkoutToken, prefer],
                             body: Schema.object([
                                "option": Schema.uuid, "quantity": Schema.integer(minimum: 1, maximum: CheckoutRequest.quantityLimit),
                                "contact": Schema.ref("Contact"), "shipping_address": Schema.ref("ShippingAddress"),
                                "billing_address": billingAddress, "customer_note": customerNote,
                                "answers": ["type": "object", "description": "The answers by field key: text, a number, or true/false for a checkbox.",
                                            "additionalProperties": ["type": ["string", "number", "boolean"]]],
                                "voucher_code": Schema.string(maxLength: 64),
                                "payment_method": Schema.string(oneOf: CheckoutRequest.paymentMethods),
                             ], required: ["contact", "shipping_address", "payment_method"],
                             description: "`option` may be left out on a page with one option; `quantity` defaults to the page's minimum."),
                             answers: [.init(202, "Submitted; a guest follows it with the same `X-Checkout-Token`.", schema: Schema.ref("Checkout"),
                                             headers: [("Location", "The checkout."), ("Idempotent-Replayed", "`true` when this repeats an earlier answer.")]),
                                       .init(410, "The page was archived.", schema: Schema.ref("Problem"))]),
                APIOperation(.get, "/widget/{store}/{page}/checkouts/{id}", id: "widgetCheckoutStatus",
                             summary: "Follow a checkout started on a page.", tag: "checkout widget", headers: [checkoutToken, prefer, changedFrom],
                             answers: [.init(200, "The checkout.", schema: Schema.ref("Checkout")),
                                       .init(304, "Unchanged since the copy named in `If-None-Match`.")]),
            ]),
            .init(SalesRulesController.self, [
                APIOperation(.get, "/admin/sales-rules", id: "salesRules",
                             summary: "The store's payment methods, shipping fees by currency, tax by destination and payment window.",
                             tag: "checkout admin", answers: [.init(200, "The rules.", schema: Schema.ref("SalesRules"))]),
                APIOperation(.put, "/admin/sales-rules", id: "setSalesRules",
                             summary: "Replace the store's sales rules; checkouts priced from now on follow them, placed ones keep theirs.",
                             tag: "checkout admin", body: Schema.ref("SalesRules"),
                             answers: [.init(200, "The rules as kept.", schema: Schema.ref("SalesRules"))]),
            ]),
        ],
        schemas: [
            Schema.moneyComponent,
            ("CustomField", Schema.object([
                "key": Schema.string(pattern: "^[a-z][a-z0-9_]{0,39}$"), "label": Schema.string(minLength: 1, maxLength: 120),
                "type": Schema.string(oneOf: CustomField.Kind.allCases.map(\.rawValue)), "required": Schema.boolean,
                "choices": Schema.array(of: Schema.string(minLength: 1, maxLength: 100), minItems: 1, maxItems: PageDraft.choiceLimit),
            ], required: ["key", "label", "type", "required"], description: "A question buyers answer; `choices` for a select only.")),
            ("CheckoutPage", Schema.object([
                "id": Schema.uuid, "slug": Schema.string(), "title": Schema.string(), "status": Schema.string(oneOf: PageStatus.allCases.map(\.rawValue)),
                "description": Schema.string(), "image_url": Schema.string(),
                "options": Schema.array(of: Schema.object(["variant_id": Schema.uuid, "label": Schema.string()], required: ["variant_id", "label"])),
                "quantity": quantityLimits,
                "fields": Schema.array(of: Schema.ref("CustomField")), "vouchers_allowed": Schema.boolean,
                "success_url": Schema.string(), "cancel_url": Schema.string(), "embed_origins": Schema.array(of: Schema.string()),
                "created_at": Schema.timestamp, "updated_at": Schema.timestamp, "published_at": Schema.timestamp,
                "embed": Schema.object(["link": Schema.string(), "iframe": Schema.string(), "button": Schema.string()],
                                       required: ["link", "iframe", "button"], description: "Copy-paste code: the page's link, an iframe, a button."),
                "statistics": Schema.object([
                    "views": Schema.integer(minimum: 0, description: "Unique visitors a day."), "checkouts_started": Schema.integer(minimum: 0),
                    "conversions": Schema.integer(minimum: 0), "conversion_rate": ["type": "number", "minimum": 0, "description": "Conversions per view."],
                    "revenue": Schema.array(of: money),
                ], required: ["views", "checkouts_started", "conversions", "conversion_rate", "revenue"]),
            ], required: ["id", "slug", "title", "status", "description", "options", "quantity", "fields", "vouchers_allowed", "embed_origins",
                          "created_at", "updated_at"])),
            ("PublicPage", Schema.object([
                "slug": Schema.string(), "title": Schema.string(), "description": Schema.string(), "image_url": Schema.string(),
                "options": Schema.array(of: Schema.object([
                    "variant_id": Schema.uuid, "label": Schema.string(), "title": Schema.string(), "price": money, "digital": Schema.boolean,
                    "on_sale": Schema.boolean,
                ], required: ["variant_id", "label", "title", "price", "digital", "on_sale"])),
                "quantity": quantityLimits,
                "fields": Schema.array(of: Schema.ref("CustomField")), "vouchers_allowed": Schema.boolean,
                "payment_methods": Schema.array(of: Schema.string(oneOf: CheckoutRequest.paymentMethods)),
                "success_url": Schema.string(), "cancel_url": Schema.string(),
            ], required: ["slug", "title", "description", "options", "quantity", "fields", "vouchers_allowed", "payment_methods"])),
            ("Division", Schema.object([
                "code": Schema.string(pattern: "^[0-9]{2}([0-9]{3})?$", description: "Two digits for a province, five for a commune or ward."),
                "name": Schema.string(), "type": Schema.string(oneOf: ["tỉnh", "thành phố trung ương", "xã", "phường", "đặc khu"]),
            ], required: ["code", "name", "type"])),
            ("SalesRules", Schema.object([
                "payment_methods": Schema.array(of: Schema.string(oneOf: CheckoutRequest.paymentMethods), minItems: 1),
                "shipping": Schema.array(of: Schema.object([
                    "currency": Schema.string(pattern: "^[A-Z]{3}$"),
                    "tiers": Schema.array(of: Schema.object([
                        "from": Schema.integer(minimum: 0, description: "Goods worth at least this (minor units, after discount) ship for `fee`."),
                        "fee": Schema.integer(minimum: 0),
                    ], required: ["from", "fee"])),
                ], required: ["currency", "tiers"], description: "Fees by the goods' value in one currency; one tier starts at 0."), minItems: 1),
                "tax": Schema.array(of: Schema.object([
                    "country": Schema.string(pattern: "^[A-Z]{2}$"), "basis_points": Schema.integer(minimum: 0, maximum: 10_000),
                    "inclusive": Schema.boolean,
                ], required: ["country", "basis_points", "inclusive"], description: "Tax for one destination; countries not listed pay none.")),
                "payment_window_seconds": Schema.integer(minimum: SalesRules.paymentWindows.lowerBound,
                                                         maximum: SalesRules.paymentWindows.upperBound),
            ], required: ["shipping", "tax", "payment_window_seconds"])),
            ("Contact", Schema.object([
                "name": Schema.string(minLength: 1, maxLength: 120), "email": Schema.string(format: "email", maxLength: 254),
                "phone": Schema.string(maxLength: 24, description: "Vietnamese mobile (0912345678 or +84912345678) for VN addresses."),
            ], required: ["name", "email", "phone"])),
            ("ShippingAddress", Schema.object([
                "country": Schema.string(pattern: "^[A-Za-z]{2}$"), "line1": Schema.string(minLength: 1, maxLength: 200),
                "line2": Schema.string(maxLength: 200), "ward": Schema.string(maxLength: 100), "district": Schema.string(maxLength: 100),
                "province": Schema.string(maxLength: 100), "city": Schema.string(maxLength: 100), "postal_code": Schema.string(maxLength: 12),
            ], required: ["country", "line1"], description: "VN: province and ward are required, as today's list has them (GET /addresses/vn/provinces) or, with a district, the older three-level form (mapped onto today's units where unambiguous); elsewhere city and postal_code.")),
            ("PricedLine", Schema.object([
                "variant_id": Schema.uuid, "product_id": Schema.uuid, "sku": Schema.string(), "title": Schema.string(),
                "quantity": Schema.integer(minimum: 1), "unit_price": money, "line_total": money,
            ], required: ["variant_id", "product_id", "sku", "title", "quantity", "unit_price", "line_total"])),
            ("PriceBreakdown", Schema.object([
                "subtotal": money, "discount": money, "shipping": money, "tax": money, "tax_inclusive": Schema.boolean, "total": money,
            ], required: ["subtotal", "discount", "shipping", "tax", "tax_inclusive", "total"])),
            ("ShortLine", Schema.object(["variant_id": Schema.uuid, "requested": Schema.integer(minimum: 1), "available": Schema.integer(minimum: 0)],
                                        required: ["variant_id", "requested", "available"])),
            ("PaymentInstructions", Schema.object([
                "next_action": Schema.string(oneOf: ["pay_on_delivery", "transfer", "confirm_card_payment"]),
                "transfer_content": Schema.string(), "qr_payload": Schema.string(description: "EMVCo VietQR payload to render as a QR code."),
                "bank_bin": Schema.string(), "bank_account": Schema.string(), "account_name": Schema.string(),
                "provider_payment_id": Schema.string(), "client_secret": Schema.string(),
            ], required: ["next_action"])),
            ("Checkout", Schema.object([
                "id": Schema.uuid, "status": Schema.string(oneOf: statuses), "cart_id": Schema.uuid,
                "payment_method": Schema.string(oneOf: CheckoutRequest.paymentMethods),
                "contact": Schema.ref("Contact"), "shipping_address": Schema.ref("ShippingAddress"), "voucher_code": Schema.string(),
                "billing_address": billingAddress, "customer_note": Schema.string(),
                "currency": Schema.string(), "lines": Schema.array(of: Schema.ref("PricedLine")), "price": Schema.ref("PriceBreakdown"),
                "short_lines": Schema.array(of: Schema.ref("ShortLine")), "problem": Schema.string(), "order_id": Schema.uuid,
                "order_number": Schema.string(), "payment": Schema.ref("PaymentInstructions"), "payment_due_by": Schema.timestamp,
                "created_at": Schema.timestamp, "updated_at": Schema.timestamp,
                "page": Schema.object(["page_id": Schema.uuid, "slug": Schema.string(), "title": Schema.string()],
                                      required: ["page_id", "slug", "title"], description: "The checkout page it was started on."),
                "answers": Schema.array(of: Schema.object(["key": Schema.string(), "label": Schema.string(), "type": Schema.string(),
                                                           "value": Schema.string()], required: ["key", "label", "type", "value"])),
            ], required: ["id", "status", "payment_method", "contact", "shipping_address", "currency", "created_at", "updated_at"])),
        ])
}
