import EventContracts
import Foundation
import Messaging
import Money
@testable import Orders
import Persistence
import PostgresNIO
import ServiceKit
import ServiceKitTestKit
import Testing

/// The orders API in process over a real schema: who may read and change which order, and
/// bad input answered as problems that name the field and change nothing.
@Suite("Orders: the order API's ownership and validation")
struct OrderRoutesTests {
    static let ana = CallerIdentity(role: .customer, customerId: UUID())
    static let binh = CallerIdentity(role: .customer, customerId: UUID())
    static let staff = CallerIdentity(role: .staff, staffId: UUID())

    /// An order as the storefront and the admin UI read it.
    struct OrderAnswer: Decodable {
        struct Entry: Decodable { var kind: String; var to: String?; var actor: String; var note: String? }
        var id: String
        var number: String
        var status: String
        var timeline: [Entry]?
    }

    /// The orders controllers over a fresh schema with one bank-transfer order of Ana's, awaiting payment.
    private func withAnasOrder(_ body: @escaping @Sendable (RouteClient, OrderStore, Order) async throws -> Void) async throws {
        try await TestSchema.with(prefix: "ordapi") { schema in
            try await TestInfrastructure.withClient(schema.settings) { database in
                let logger = TestInfrastructure.logger
                try await MigrationRunner(database: database, migrations: KitMigrations.all + OrdersMigrations.all).migrate(logger: logger)
                let orders = OrderStore(database: database, outbox: Outbox(topic: "unused", serviceName: "orders", schema: schema.name),
                                        numbers: OrderNumber(prefix: "SHOP", timeZone: "Asia/Ho_Chi_Minh"))
                let vnd = { (minor: Int64) in Money(minorUnits: minor, currency: .vnd) }
                let placed = CheckoutPlaced(
                    checkoutId: .new(), customerId: CustomerID(Self.ana.customerId!),
                    contact: ContactDetails(name: "Ana", email: "ana@example.com", phone: "0901234567"),
                    shippingAddress: ShippingAddress(country: "VN", line1: "1 Phố Huế"), paymentMethod: .bankTransfer,
                    lines: [PricedLine(variantId: .new(), productId: .new(), sku: "TEA-1", title: "Trà sen", quantity: 2,
                                       unitPrice: vnd(120_000), lineTotal: vnd(240_000))],
                    voucherCode: nil,
                    price: PriceBreakdown(subtotal: vnd(240_000), discount: vnd(0), shipping: vnd(30_000), tax: vnd(0), taxInclusive: true,
                                          total: vnd(270_000)),
                    paymentDueBy: nil)
                try await database.transaction(logger: logger) { connection in
                    try await orders.place(placed, correlationId: nil, on: connection, logger: logger)
                }
                let page = try await orders.list(OrderStore.Filter(customer: Self.ana.customerId), page: PageRequest(page: 1, size: 10), logger: logger)
                let order = try #require(page.items.first)
                try await InProcessRoutes.with([MyOrdersController(orders: orders), GuestOrderLookupController(orders: orders),
                                                OrderDeskController(orders: orders)]) { api in
                    try await body(api, orders, order)
                }
            }
        }
    }

    @Test("another customer's order is 404 to read and to cancel, and stays as it was; its owner reads it")
    func ownership() async throws {
        try await withAnasOrder { api, orders, order in
            let path = "/orders/\(order.id.description)"
            let read = try await api.send(.get, path, as: Self.binh)
            #expect(read.status == 404)
            #expect(read.problem?.type == "/problems/not-found")
            #expect(try await api.send(.post, path + "/cancel", as: Self.binh).status == 404)
            #expect(try await orders.existing(order.id.uuid, logger: TestInfrastructure.logger).status == .pendingPayment)
            #expect(try await api.send(.get, "/orders", as: Self.binh).decode(PageAnswer<OrderAnswer>.self).items.isEmpty)

            let own = try await api.send(.get, path, as: Self.ana)
            #expect(own.status == 200)
            #expect(try own.decode(OrderAnswer.self).number == order.number)
            #expect(try await api.send(.get, path).status == 401, "a guest signs in first")
        }
    }

    @Test("a guest's lookup needs both number and email (422 naming each) and a wrong email is 404, not the order")
    func guestLookup() async throws {
        try await withAnasOrder { api, _, order in
            let neither = try await api.send(.get, "/orders/lookup")
            #expect(neither.status == 422)
            #expect(neither.problem?.fields == ["number", "email"])
            #expect(try await api.send(.get, "/orders/lookup?number=\(order.number)").problem?.fields == ["email"])
            #expect(try await api.send(.get, "/orders/lookup?number=\(order.number)&email=binh@example.com").status == 404)
            let found = try await api.send(.get, "/orders/lookup?number=\(order.number.lowercased())&email=ANA@example.com")
            #expect(found.status == 200)
            #expect(try found.decode(OrderAnswer.self).id == order.id.description)
        }
    }

    @Test("staff moves: an unknown status is 422 naming status, a move the order cannot make is 409, neither changes it; customers get 403")
    func staffMoves() async throws {
        try await withAnasOrder { api, orders, order in
            let path = "/admin/orders/\(order.id.description)/status"
            #expect(try await api.send(.post, path, as: Self.ana, json: #"{"status": "cancelled"}"#).status == 403)
            let unknown = try await api.send(.post, path, as: Self.staff, json: #"{"status": "flying"}"#)
            #expect(unknown.status == 422)
            #expect(unknown.problem?.fields == ["status"])
            let tooFar = try await api.send(.post, path, as: Self.staff, json: #"{"status": "delivered"}"#)
            #expect(tooFar.status == 409)
            #expect(tooFar.problem?.type == "/problems/illegal-transition")
            #expect(tooFar.problem?.fields == ["status"])
            let longNote = try await api.send(.post, path, as: Self.staff,
                                              json: #"{"status": "cancelled", "note": "\#(String(repeating: "x", count: 2001))"}"#)
            #expect(longNote.problem?.fields == ["note"])
            #expect(try await orders.existing(order.id.uuid, logger: TestInfrastructure.logger).status == .pendingPayment)

            let cancelled = try await api.send(.post, path, as: Self.staff, json: #"{"status": "cancelled", "note": "customer called"}"#)
            #expect(cancelled.status == 200)
            let after = try cancelled.decode(OrderAnswer.self)
            #expect(after.status == "cancelled")
            #expect(after.timeline?.last?.actor == "staff:\(Self.staff.staffId!.uuidString.lowercased())")
            #expect(try await api.send(.post, "/admin/orders/\(UUID())/status", as: Self.staff, json: #"{"status": "cancelled"}"#).status == 404)
        }
    }
}
