@testable import Catalog
import Foundation
import HTTPTypes
import Persistence
import ServiceKit
import ServiceKitTestKit
import Testing

/// The catalog's cart and voucher APIs in process over a real schema: whose cart opens for
/// whom, and bad input answered as problems that name every wrong field and change nothing.
@Suite("Catalog: the cart and voucher APIs' ownership and validation")
struct CatalogRoutesTests {
    static let ana = CallerIdentity(role: .customer, customerId: UUID())
    static let binh = CallerIdentity(role: .customer, customerId: UUID())
    static let staff = CallerIdentity(role: .staff, staffId: UUID())

    struct CartAnswer: Decodable {
        struct Line: Decodable { var variantId: String; var quantity: Int }
        var id: String
        var cartToken: String?
        var lines: [Line]
    }

    struct VoucherAnswer: Decodable {
        var id: String
        var code: String
        var usageLimit: Int?
    }

    private func withCatalog(_ body: @escaping @Sendable (RouteClient, CatalogFixture, Database) async throws -> Void) async throws {
        try await CatalogFixture.with { fixture in
            try await fixture.withDatabase { database in
                let vouchers = VoucherStore(database: database)
                let carts = CartStore(database: database, outbox: fixture.outbox, vouchers: vouchers)
                try await InProcessRoutes.with([
                    CartController(carts: carts), CartMergeController(carts: carts),
                    VoucherAdminController(vouchers: vouchers, rules: ProductRules(currencies: ["VND"])),
                ]) { api in try await body(api, fixture, database) }
            }
        }
    }

    @Test("a guest cart opens only with its token, a customer's only for that customer; others get 404 and cannot change it")
    func cartOwnership() async throws {
        try await withCatalog { api, fixture, database in
            let (products, _) = fixture.parts(database)
            let variant = try #require(try await fixture.publishedProduct(products, stock: [5]).first)
            let created = try await api.send(.post, "/carts")
            #expect(created.status == 201)
            let guestCart = try created.decode(CartAnswer.self)
            let token = try #require(guestCart.cartToken)
            let path = "/carts/\(guestCart.id)"
            let line = #"{"variant_id": "\#(variant.uuidString.lowercased())", "quantity": 2}"#

            #expect(try await api.send(.get, path).status == 404, "no token")
            #expect(try await api.send(.get, path, headers: [HTTPField.Name("X-Cart-Token")!: "someone-else"]).status == 404)
            #expect(try await api.send(.post, path + "/lines", json: line, headers: [HTTPField.Name("X-Cart-Token")!: "someone-else"]).status == 404)
            #expect(try await api.send(.get, path, as: Self.ana).status == 404, "a guest cart is not a customer's")
            let added = try await api.send(.post, path + "/lines", json: line, headers: [HTTPField.Name("X-Cart-Token")!: token])
            #expect(added.status == 200)
            #expect(try added.decode(CartAnswer.self).lines.map(\.quantity) == [2])

            let anasCart = try await api.send(.post, "/carts", as: Self.ana).decode(CartAnswer.self)
            #expect(try await api.send(.get, "/carts/\(anasCart.id)", as: Self.binh).status == 404)
            #expect(try await api.send(.delete, "/carts/\(anasCart.id)/lines", as: Self.binh).status == 404)
            #expect(try await api.send(.get, "/carts/\(anasCart.id)", as: Self.ana).status == 200)
            // Merging needs a signed-in customer, and the guest cart's own token.
            let merge = #"{"guest_cart_id": "\#(guestCart.id)", "guest_cart_token": "\#(token)"}"#
            #expect(try await api.send(.post, "/carts/\(anasCart.id)/merge", json: merge).status == 401)
            #expect(try await api.send(.post, "/carts/\(anasCart.id)/merge", as: Self.ana,
                                       json: #"{"guest_cart_id": "\#(guestCart.id)", "guest_cart_token": "wrong"}"#).status == 404)
            let merged = try await api.send(.post, "/carts/\(anasCart.id)/merge", as: Self.ana, json: merge)
            #expect(merged.status == 200)
            #expect(try merged.decode(CartAnswer.self).lines.map(\.variantId) == [variant.uuidString.lowercased()])
        }
    }

    @Test("a cart line with a bad variant id and quantity names both fields; the cart stays empty")
    func cartLineValidation() async throws {
        try await withCatalog { api, _, _ in
            let cart = try await api.send(.post, "/carts", as: Self.ana).decode(CartAnswer.self)
            let bad = try await api.send(.post, "/carts/\(cart.id)/lines", as: Self.ana, json: #"{"variant_id": "tea", "quantity": 0}"#)
            #expect(bad.status == 422)
            #expect(bad.problem?.fields == ["variant_id", "quantity"])
            #expect(try await api.send(.get, "/carts/\(cart.id)", as: Self.ana).decode(CartAnswer.self).lines.isEmpty)
        }
    }

    @Test("a voucher with bad fields names each one and is not created; a code taken in another case is 409; customers get 403")
    func voucherValidation() async throws {
        try await withCatalog { api, _, _ in
            let bad = try await api.send(.post, "/admin/vouchers", as: Self.staff, json: """
                {"code": "x", "kind": "bogus", "starts_at": "soon", "usage_limit": 0}
                """)
            #expect(bad.status == 422)
            #expect(Set(bad.problem?.fields ?? []) == ["code", "kind", "starts_at", "usage_limit"])
            let noPercent = try await api.send(.post, "/admin/vouchers", as: Self.staff, json: #"{"code": "TET10", "kind": "percentage", "percent": 0}"#)
            #expect(noPercent.problem?.fields == ["percent"])
            #expect(try await api.send(.get, "/admin/vouchers", as: Self.staff).decode([VoucherAnswer].self).isEmpty)

            #expect(try await api.send(.post, "/admin/vouchers", as: Self.ana, json: #"{"code": "TET10", "kind": "percentage", "percent": 10}"#).status == 403)
            let created = try await api.send(.post, "/admin/vouchers", as: Self.staff,
                                             json: #"{"code": "TET10", "kind": "percentage", "percent": 10, "usage_limit": 100}"#)
            #expect(created.status == 201)
            let voucher = try created.decode(VoucherAnswer.self)
            let taken = try await api.send(.post, "/admin/vouchers", as: Self.staff, json: #"{"code": "tet10", "kind": "percentage", "percent": 5}"#)
            #expect(taken.status == 409)
            #expect(taken.problem?.fields == ["code"])
            let zeroLimit = try await api.send(.patch, "/admin/vouchers/\(voucher.id)", as: Self.staff, json: #"{"usage_limit": 0}"#)
            #expect(zeroLimit.problem?.fields == ["usage_limit"])
            let listed = try await api.send(.get, "/admin/vouchers", as: Self.staff).decode([VoucherAnswer].self)
            #expect(listed.map(\.code) == ["TET10"])
            #expect(listed.first?.usageLimit == 100)
            #expect(try await api.send(.post, "/admin/vouchers/\(UUID())/deactivate", as: Self.staff).status == 404)
        }
    }
}
