import ServiceKit

/// The fulfilment routes as the OpenAPI document shows them (under `/api/fulfillment` at the
/// gateway).
enum FulfillmentContract {
    static let statuses = ShipmentStatus.allCases.map(\.rawValue)
    static let shipmentAnswer = APIOperation.Answer(200, "The shipment.", schema: Schema.ref("Shipment"))
    static let endpointAnswer = APIOperation.Answer(200, "The endpoint (without its secret).", schema: Schema.ref("WebhookEndpoint"))
    static let illegal = APIOperation.Answer(409, "Not allowed from the shipment's status.", schema: Schema.ref("Problem"))
    static let tracking = Schema.object([
        "carrier": Schema.string(maxLength: 100), "tracking_number": Schema.string(maxLength: 100),
        "tracking_url": Schema.string(maxLength: 2000, description: "An http or https URL."),
    ])

    static func proof(required: Bool) -> [APIOperation.QueryParameter] {
        [.init("number", Schema.string(minLength: 1, maxLength: 40), "A guest order's number.", required: required),
         .init("email", Schema.string(minLength: 1, maxLength: 254), "The email the guest order was placed with.", required: required)]
    }

    static let contract = APIContract(
        [
            .init(MyShipmentsController.self, [
                APIOperation(.get, "/orders/{id}/shipments", id: "myOrderShipments", summary: "The shipments of one of the customer's orders, with tracking.",
                             tag: "fulfillment", answers: [.init(200, "The order's shipments.", schema: Schema.ref("OrderShipments"))]),
            ]),
            .init(MyDownloadsController.self, [
                APIOperation(.get, "/orders/{id}/downloads", id: "myOrderDownloads",
                             summary: "The downloads of one of the customer's paid orders, each with a signed link while it works.",
                             tag: "downloads", answers: [.init(200, "The order's downloads.", schema: Schema.ref("Downloads"))]),
            ]),
            .init(DownloadController.self, [
                APIOperation(.get, "/downloads", id: "guestDownloads", summary: "A guest order's downloads, by its number and the email it was placed with.",
                             tag: "downloads", query: proof(required: true),
                             answers: [.init(200, "The order's downloads.", schema: Schema.ref("Downloads")),
                                       .init(404, "No order has that number and email.", schema: Schema.ref("Problem"))]),
                APIOperation(.get, "/downloads/{id}", id: "download",
                             summary: "Download a digital good: a signed, unexpired link, and the buyer (signed in, or a guest order's number and email).",
                             tag: "downloads", query: [.init("expires", Schema.string(maxLength: 20, pattern: "^[0-9]+$"), "Unix time the link ends (from the link).", required: true),
                                     .init("signature", Schema.string(maxLength: 128), "The link's signature (from the link).", required: true)]
                                + proof(required: false),
                             answers: [.init(200, "The file.", schema: ["type": "string", "format": "binary"],
                                             headers: [("Content-Disposition", "attachment; filename=…")], contentType: "application/octet-stream"),
                                       .init(401, "Sign in, or give a guest order's number and email.", schema: Schema.ref("Problem")),
                                       .init(403, "The link was changed or never issued.", schema: Schema.ref("Problem")),
                                       .init(404, "No such download for this buyer.", schema: Schema.ref("Problem")),
                                       .init(410, "The link expired, or the order was cancelled or refunded.", schema: Schema.ref("Problem")),
                                       .init(503, "The file is missing on the shop's side.", schema: Schema.ref("Problem"))]),
            ]),
            .init(UnsubscribeController.self, [
                APIOperation(.post, "/email-preferences/unsubscribe", id: "unsubscribeFromReminders",
                             summary: "One-click unsubscribe from reminders (RFC 8058), with the signed link from a reminder's List-Unsubscribe.",
                             tag: "notifications", query: [.init("customer", Schema.uuid, "The customer (from the link).", required: true),
                                     .init("store", Schema.uuid, "The customer's store (from the link; omitted for the original store)."),
                                     .init("signature", Schema.string(maxLength: 128), "The link's signature.", required: true)],
                             answers: [.init(204, "No more reminders."), .init(403, "The link was changed.", schema: Schema.ref("Problem"))]),
            ]),
            .init(EmailPreferencesController.self, [
                APIOperation(.get, "/email-preferences", id: "emailPreferences", summary: "Whether the customer gets reminders.",
                             tag: "notifications", answers: [.init(200, "The preferences.", schema: Schema.ref("EmailPreferences"))]),
                APIOperation(.put, "/email-preferences", id: "setEmailPreferences", summary: "Choose whether to get reminders (order emails always come).",
                             tag: "notifications", body: Schema.ref("EmailPreferences"),
                             answers: [.init(200, "The preferences.", schema: Schema.ref("EmailPreferences"))]),
            ]),
            .init(EmailLogController.self, [
                APIOperation(.get, "/admin/emails", id: "listCustomerEmails", summary: "Emails to customers, newest first: who, what and how it went.",
                             tag: "notifications admin", query: [.init("status", Schema.string(oneOf: EmailStore.statuses), "Email status."),
                                     .init("order_id", Schema.uuid, "Only this order's emails.")] + PageRequest.parameters,
                             answers: [.init(200, "A page of emails.", schema: Page<EmailStore.Record>.schema(of: Schema.ref("CustomerEmail")))]),
                APIOperation(.post, "/admin/emails/{id}/resend", id: "resendCustomerEmail", summary: "Send a dead email again now.",
                             tag: "notifications admin", answers: [.init(202, "Queued again.", schema: Schema.ref("CustomerEmail")),
                                       .init(409, "Only dead emails are sent again.", schema: Schema.ref("Problem"))]),
            ]),
            .init(ShippingDeskController.self, [
                APIOperation(.get, "/admin/shipments", id: "listShipments", summary: "Shipments by status, oldest first (the packing queue).",
                             tag: "fulfillment admin", query: [.init("status", Schema.string(oneOf: statuses), "Shipment status.")] + PageRequest.parameters,
                             answers: [.init(200, "A page of shipments.", schema: Page<Shipment>.schema(of: Schema.ref("Shipment")))]),
                APIOperation(.get, "/admin/orders/{id}/shipments", id: "orderShipments", summary: "An order's shipments.",
                             tag: "fulfillment admin", answers: [.init(200, "The order's shipments.", schema: Schema.ref("OrderShipments"))]),
                APIOperation(.get, "/admin/shipments/{id}", id: "shipment", summary: "One shipment.", tag: "fulfillment admin",
                             answers: [shipmentAnswer]),
                APIOperation(.post, "/admin/shipments/{id}/tracking", id: "trackShipment", summary: "Set carrier, tracking number or tracking URL.",
                             tag: "fulfillment admin", body: tracking,
                             answers: [shipmentAnswer, illegal]),
                APIOperation(.post, "/admin/shipments/{id}/split", id: "splitShipment",
                             summary: "Move some goods of a pending shipment into a new one (ship part now, the rest later).",
                             tag: "fulfillment admin", body: Schema.object(["lines": Schema.array(of: Schema.object([
                                "variant_id": Schema.uuid, "quantity": Schema.integer(minimum: 1, maximum: 100_000),
                             ], required: ["variant_id", "quantity"]), minItems: 1, maxItems: 100)], required: ["lines"]),
                             answers: [.init(201, "The new shipment.", schema: Schema.ref("Shipment")), illegal]),
                APIOperation(.post, "/admin/shipments/{id}/ship", id: "shipShipment",
                             summary: "Mark a shipment shipped (optionally with its tracking); the order is shipped when all its goods are.",
                             tag: "fulfillment admin", body: tracking,
                             answers: [shipmentAnswer, illegal]),
                APIOperation(.post, "/admin/shipments/{id}/deliver", id: "deliverShipment",
                             summary: "Mark a shipment delivered; the order is delivered when all its shipments are.",
                             tag: "fulfillment admin", answers: [shipmentAnswer, illegal]),
            ]),
            .init(WebhookEndpointsController.self, [
                APIOperation(.post, "/admin/webhooks/endpoints", id: "registerWebhookEndpoint",
                             summary: "Register a merchant endpoint for some event types; the answer shows its signing secret, once.",
                             tag: "webhooks admin", body: Schema.object([
                                "url": Schema.string(minLength: 1, maxLength: 2000, description: "http or https; private addresses are refused."),
                                "event_types": Schema.array(of: Schema.string(oneOf: WebhookEndpoint.subscribableTypes), maxItems: 50),
                                "secret": Schema.string(pattern: "^whsec_", description: "Standard Webhooks secret; made for you when left out."),
                                "description": Schema.string(maxLength: 500),
                             ], required: ["url", "event_types"]),
                             answers: [.init(201, "The endpoint, with its secret.", schema: Schema.ref("WebhookEndpoint"))]),
                APIOperation(.get, "/admin/webhooks/endpoints", id: "listWebhookEndpoints", summary: "Merchant endpoints, newest first.",
                             tag: "webhooks admin", query: PageRequest.parameters,
                             answers: [.init(200, "A page of endpoints.", schema: Page<WebhookEndpoint>.schema(of: Schema.ref("WebhookEndpoint")))]),
                APIOperation(.get, "/admin/webhooks/endpoints/{id}", id: "webhookEndpoint", summary: "One endpoint.", tag: "webhooks admin",
                             answers: [endpointAnswer]),
                APIOperation(.post, "/admin/webhooks/endpoints/{id}/disable", id: "disableWebhookEndpoint", summary: "Stop deliveries to an endpoint.",
                             tag: "webhooks admin", answers: [endpointAnswer]),
                APIOperation(.post, "/admin/webhooks/endpoints/{id}/enable", id: "enableWebhookEndpoint", summary: "Resume deliveries to an endpoint.",
                             tag: "webhooks admin", answers: [endpointAnswer]),
                APIOperation(.get, "/admin/webhooks/endpoints/{id}/deliveries", id: "webhookDeliveries",
                             summary: "An endpoint's delivery log, newest first, each with its attempts.", tag: "webhooks admin", query: [.init("status", Schema.string(oneOf: WebhookEndpointsController.deliveryStatuses), "Delivery status.")] + PageRequest.parameters,
                             answers: [.init(200, "A page of deliveries.", schema: Page<WebhookDelivery>.schema(of: Schema.ref("WebhookDelivery")))]),
                APIOperation(.post, "/admin/webhooks/deliveries/{id}/replay", id: "replayWebhookDelivery",
                             summary: "Send one delivery again now (with a fresh retry schedule).", tag: "webhooks admin", answers: [.init(202, "Queued again.", schema: Schema.ref("WebhookDelivery"))]),
            ]),
            .init(PosPushesController.self, [
                APIOperation(.get, "/admin/pos/pushes", id: "listPosPushes", summary: "Orders' pushes to the POS, newest first (dead ones need a person).",
                             tag: "pos admin", query: [.init("status", Schema.string(oneOf: PosPushesController.statuses), "Push status.")] + PageRequest.parameters,
                             answers: [.init(200, "A page of pushes.", schema: Page<PosPushStore.Push>.schema(of: Schema.ref("PosPush")))]),
                APIOperation(.get, "/admin/pos/pushes/{id}", id: "posPush", summary: "One order's push to the POS (by order id).", tag: "pos admin",
                             answers: [.init(200, "The push.", schema: Schema.ref("PosPush"))]),
                APIOperation(.post, "/admin/pos/pushes/{id}/retry", id: "retryPosPush", summary: "Push a dead (or waiting) order to the POS again now.",
                             tag: "pos admin", answers: [.init(202, "Queued again.", schema: Schema.ref("PosPush")),
                                       .init(409, "Already pushed, or the order was cancelled.", schema: Schema.ref("Problem"))]),
            ]),
            .init(PosAccountController.self, [
                APIOperation(.get, "/admin/pos/account", id: "posAccount",
                             summary: "Whether the store is connected to the POS, its shop id there, and where the POS posts its webhooks (never the keys).",
                             tag: "pos admin", answers: [.init(200, "The connection.", schema: Schema.ref("PosAccount"))]),
                APIOperation(.put, "/admin/pos/account", id: "connectPos",
                             summary: "Connect the store to its shop at the deployment's POS provider; its settled orders are pushed there from then on.",
                             tag: "pos admin", body: Schema.object([
                                 "api_key": Schema.string(minLength: 16, maxLength: 255),
                                 "shop_id": Schema.string(pattern: "^[A-Za-z0-9_-]{1,64}$"),
                                 "webhook_secret": Schema.string(minLength: 16, maxLength: 255),
                             ], required: ["api_key", "shop_id", "webhook_secret"]),
                             answers: [.init(200, "Connected.", schema: Schema.ref("PosAccount")),
                                       .init(409, "The deployment has no POS provider (POS_BASE_URL) or cannot keep secrets (CREDENTIALS_KEY).",
                                             schema: Schema.ref("Problem"))]),
            ]),
        ],
        schemas: [
            ("PosAccount", Schema.object([
                "connected": Schema.boolean, "shop_id": Schema.string(),
                "webhook_path": Schema.string(description: "On the fulfilment webhook listener."),
            ], required: ["connected", "webhook_path"])),
            ("PosPush", Schema.object([
                "order_id": Schema.uuid, "order_number": Schema.string(), "status": Schema.string(oneOf: PosPushesController.statuses),
                "attempts": Schema.integer(minimum: 0), "next_attempt_at": Schema.timestamp, "last_error": Schema.string(),
                "pos_order_id": Schema.string(), "created_at": Schema.timestamp, "pushed_at": Schema.timestamp,
            ], required: ["order_id", "order_number", "status", "attempts", "created_at"])),
            ("WebhookEndpoint", Schema.object([
                "id": Schema.uuid, "url": Schema.string(), "description": Schema.string(),
                "event_types": Schema.array(of: Schema.string()), "active": Schema.boolean, "created_by": Schema.string(),
                "created_at": Schema.timestamp, "secret": Schema.string(description: "Only when the endpoint is registered."),
            ], required: ["id", "url", "event_types", "active", "created_by", "created_at"])),
            ("WebhookDelivery", Schema.object([
                "id": Schema.uuid, "endpoint_id": Schema.uuid, "event_id": Schema.string(), "event_type": Schema.string(),
                "status": Schema.string(oneOf: WebhookEndpointsController.deliveryStatuses), "attempts": Schema.integer(minimum: 0),
                "next_attempt_at": Schema.timestamp, "last_status_code": Schema.integer(), "last_error": Schema.string(),
                "created_at": Schema.timestamp, "delivered_at": Schema.timestamp,
                "log": Schema.array(of: Schema.object([
                    "attempt": Schema.integer(minimum: 1), "at": Schema.timestamp, "status_code": Schema.integer(), "error": Schema.string(),
                    "duration_ms": Schema.integer(minimum: 0),
                ], required: ["attempt", "at", "duration_ms"])),
            ], required: ["id", "endpoint_id", "event_id", "event_type", "status", "attempts", "created_at", "log"])),
            ("Downloads", Schema.object([
                "order_number": Schema.string(),
                "downloads": Schema.array(of: Schema.object([
                    "id": Schema.uuid, "title": Schema.string(), "status": Schema.string(oneOf: ["active", "expired", "revoked"]),
                    "expires_at": Schema.timestamp, "downloads": Schema.integer(minimum: 0),
                    "url": Schema.string(description: "A signed link, while the download is active."),
                ], required: ["id", "title", "status", "expires_at", "downloads"])),
            ], required: ["downloads"])),
            ("EmailPreferences", Schema.object(["reminders": Schema.boolean], required: ["reminders"])),
            ("CustomerEmail", Schema.object([
                "id": Schema.uuid, "kind": Schema.string(oneOf: EmailKind.allCases.map(\.rawValue)), "event_id": Schema.string(),
                "order_id": Schema.uuid, "recipient": Schema.string(), "language": Schema.string(oneOf: EmailLanguage.allCases.map(\.rawValue)),
                "subject": Schema.string(), "status": Schema.string(oneOf: EmailStore.statuses), "attempts": Schema.integer(minimum: 0),
                "next_attempt_at": Schema.timestamp, "last_error": Schema.string(), "created_at": Schema.timestamp, "sent_at": Schema.timestamp,
            ], required: ["id", "kind", "event_id", "recipient", "language", "subject", "status", "attempts", "created_at"])),
            ("ShipmentLine", Schema.object([
                "variant_id": Schema.uuid, "sku": Schema.string(), "title": Schema.string(), "quantity": Schema.integer(minimum: 1),
            ], required: ["variant_id", "sku", "title", "quantity"])),
            ("Shipment", Schema.object([
                "id": Schema.uuid, "order_id": Schema.uuid, "order_number": Schema.string(), "status": Schema.string(oneOf: statuses),
                "lines": Schema.array(of: Schema.ref("ShipmentLine")), "carrier": Schema.string(), "tracking_number": Schema.string(),
                "tracking_url": Schema.string(), "split_from": Schema.uuid, "created_at": Schema.timestamp, "shipped_at": Schema.timestamp,
                "delivered_at": Schema.timestamp, "cancelled_at": Schema.timestamp,
            ], required: ["id", "order_id", "order_number", "status", "lines", "created_at"])),
            ("OrderShipments", Schema.object([
                "order_id": Schema.uuid, "order_number": Schema.string(),
                "state": Schema.string(oneOf: ["awaiting_payment", "ready", "cancelled"]),
                "shipments": Schema.array(of: Schema.ref("Shipment")),
            ], required: ["order_id", "order_number", "state", "shipments"])),
        ])
}
