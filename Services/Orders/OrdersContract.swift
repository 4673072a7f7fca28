import EventContracts
import ServiceKit

/// The orders routes as the OpenAPI document shows them (under `/api/orders` at the gateway).
enum OrdersContract {
    static let money = Schema.ref("Money")
    static let statuses = OrderStatus.allCases.map(\.rawValue)
    static let days = APIOperation.QueryParameter("days", Schema.integer(minimum: 1, maximum: 366), "The window, in days back from now (30 unless given).")
    /// How staff narrow the orders they list or export.
    static let orderFilters: [APIOperation.QueryParameter] = [
        .init("status", Schema.string(oneOf: statuses), "Order status."),
        .init("payment_status", Schema.string(oneOf: OrderDeskController.paymentStatuses), "Payment status."),
        .init("from", Schema.string(maxLength: 40), "Placed at or after (date or date-time)."),
        .init("to", Schema.string(maxLength: 40), "Placed before (date or date-time)."),
        .init("q", Schema.string(maxLength: 100), "Text in the order number, email or phone."),
        .init("sort", Schema.string(oneOf: OrderStore.sorts.keys.sorted()), "newest (default), oldest, total_desc, total_asc."),
    ]
    static let orderAnswer = APIOperation.Answer(200, "The order with its timeline.", schema: Schema.ref("Order"))

    static let contract = APIContract(
        [
            .init(MyOrdersController.self, [
                APIOperation(.get, "/orders", id: "myOrders", summary: "The signed-in customer's orders, newest first.", tag: "orders",
                             query: PageRequest.parameters,
                             answers: [.init(200, "A page of orders.", schema: Page<Order>.schema(of: Schema.ref("Order")))]),
                APIOperation(.get, "/orders/stats", id: "myOrderStats", summary: "The signed-in customer's order count and lifetime spend.",
                             tag: "orders", answers: [.init(200, "The figures.", schema: Schema.ref("CustomerStats"))]),
                APIOperation(.get, "/orders/{id}", id: "myOrder", summary: "One of the customer's orders, with its timeline.", tag: "orders",
                             answers: [orderAnswer]),
                APIOperation(.post, "/orders/{id}/cancel", id: "cancelMyOrder", summary: "Cancel an order before fulfilment starts.", tag: "orders",
                             answers: [orderAnswer, .init(409, "Fulfilment has started or the order is closed.", schema: Schema.ref("Problem"))]),
            ]),
            .init(GuestOrderLookupController.self, [
                APIOperation(.get, "/orders/lookup", id: "lookUpGuestOrder", summary: "A guest's order by its number and the email it was placed with.",
                             tag: "orders", query: [.init("number", Schema.string(minLength: 1, maxLength: 40), "The order number.", required: true),
                                     .init("email", Schema.string(minLength: 1, maxLength: 254), "The email on the order.", required: true)],
                             answers: [orderAnswer, .init(404, "No order has that number and email.", schema: Schema.ref("Problem"))]),
            ]),
            .init(OrderDeskController.self, [
                APIOperation(.get, "/admin/orders", id: "listOrders", summary: "Orders by status, payment, date and text, sorted and paged.",
                             tag: "orders admin", query: orderFilters + PageRequest.parameters,
                             answers: [.init(200, "A page of orders.", schema: Page<Order>.schema(of: Schema.ref("Order")))]),
                APIOperation(.get, "/admin/orders/export", id: "exportOrders",
                             summary: "The orders the filters find as CSV (at most \(OrderExport.limit)), with a column per checkout-page question answered.",
                             tag: "orders admin", query: orderFilters,
                             answers: [.init(200, "The file: amounts in minor units; answers in `answer:<key>` columns.",
                                             headers: [("Content-Disposition", "attachment; filename=orders.csv"),
                                                       ("X-Export-Truncated", "`true` when more orders matched than one file holds.")],
                                             contentType: "text/csv")]),
                APIOperation(.get, "/admin/orders/{id}", id: "orderForStaff", summary: "An order with its timeline.", tag: "orders admin",
                             answers: [orderAnswer]),
                APIOperation(.post, "/admin/orders/{id}/status", id: "moveOrder", summary: "Move an order along the allowed transitions.",
                             tag: "orders admin", body: Schema.object(["status": Schema.string(oneOf: OrderStatus.staffTargets.map(\.rawValue)),
                                                  "note": Schema.string(maxLength: 2000)], required: ["status"]),
                             answers: [orderAnswer, .init(409, "Not allowed from the order's status.", schema: Schema.ref("Problem"))]),
                APIOperation(.post, "/admin/orders/{id}/notes", id: "noteOrder", summary: "Add a note to an order's timeline.", tag: "orders admin",
                             body: Schema.object(["note": Schema.string(minLength: 1, maxLength: 2000)], required: ["note"]),
                             answers: [.init(201, "Noted.", schema: Schema.ref("Order"))]),
                APIOperation(.get, "/admin/customers/{id}/stats", id: "customerOrderStats", summary: "A customer's order count and lifetime spend.",
                             tag: "orders admin", answers: [.init(200, "The figures.", schema: Schema.ref("CustomerStats")),
                                                            .init(404, "This store has no order from that customer.", schema: Schema.ref("Problem"))]),
            ]),
            .init(SalesFiguresController.self, [
                APIOperation(.get, "/admin/figures", id: "salesFigures",
                             summary: "The store's orders, cancellations, revenue and average order over the last days.", tag: "orders admin",
                             query: [days], answers: [.init(200, "The figures.", schema: Schema.ref("SalesFigures"))]),
            ]),
            .init(PlatformFiguresController.self, [
                APIOperation(.get, "/platform/figures", id: "platformFigures",
                             summary: "Every store's sales over the last days, and the deployment's totals.", tag: "platform",
                             query: [days],
                             answers: [.init(200, "The figures.", schema: Schema.object([
                                 "since": Schema.timestamp, "days": Schema.integer(minimum: 1), "stores": Schema.array(of: Schema.ref("SalesFigures")),
                                 "orders": Schema.integer(minimum: 0), "revenue": Schema.array(of: money),
                             ], required: ["since", "days", "stores", "orders", "revenue"]))]),
            ]),
        ],
        schemas: [
            Schema.moneyComponent,
            ("TimelineEntry", Schema.object([
                "at": Schema.timestamp, "kind": Schema.string(oneOf: ["status", "payment", "refund", "note", "shipment"]), "from": Schema.string(),
                "to": Schema.string(), "actor": Schema.string(), "note": Schema.string(),
            ], required: ["at", "kind", "actor"])),
            ("Order", Schema.object([
                "id": Schema.uuid, "number": Schema.string(pattern: "^[A-Z0-9]+-([0-9]{8}-[0-9]{4,}|[0-9A-HJKMNP-TV-Z]{8})$"), "status": Schema.string(oneOf: statuses),
                "payment_status": Schema.string(oneOf: OrderDeskController.paymentStatuses),
                "payment_method": Schema.string(oneOf: PaymentMethod.allCases.map(\.rawValue)), "customer_id": Schema.uuid,
                "contact": ["type": "object"], "shipping_address": ["type": "object"], "lines": Schema.array(of: ["type": "object"]),
                "price": ["type": "object"], "refunded": money, "voucher_code": Schema.string(), "cancel_reason": Schema.string(),
                "created_at": Schema.timestamp, "updated_at": Schema.timestamp, "timeline": Schema.array(of: Schema.ref("TimelineEntry")),
                "page": Schema.object(["page_id": Schema.uuid, "slug": Schema.string(), "title": Schema.string()],
                                      required: ["page_id", "slug", "title"], description: "The checkout page it was bought on."),
                "billing_address": ["type": "object", "description": "Where the invoice goes: the shipping address unless the buyer gave another."],
                "customer_note": Schema.string(description: "What the buyer told the shop."),
                "answers": Schema.array(of: Schema.object([
                    "key": Schema.string(), "label": Schema.string(),
                    "type": Schema.string(oneOf: ["text", "number", "email", "phone", "select", "checkbox", "date"]), "value": Schema.string(),
                ], required: ["key", "label", "type", "value"], description: "The buyer's answer to one of the page's custom fields.")),
            ], required: ["id", "number", "status", "payment_status", "payment_method", "contact", "shipping_address", "billing_address", "lines", "price",
                          "refunded", "created_at", "updated_at"])),
            ("SalesFigures", Schema.object([
                "store_id": Schema.uuid, "orders": Schema.integer(minimum: 0), "cancelled": Schema.integer(minimum: 0),
                "revenue": Schema.array(of: money), "average_order": Schema.array(of: money),
            ], required: ["store_id", "orders", "cancelled", "revenue", "average_order"])),
            ("CustomerStats", Schema.object([
                "customer_id": Schema.uuid, "order_count": Schema.integer(minimum: 0), "lifetime_spend": Schema.array(of: money),
                "last_order_at": Schema.timestamp,
            ], required: ["customer_id", "order_count", "lifetime_spend"])),
        ])
}
