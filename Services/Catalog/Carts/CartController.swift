import Foundation
import Hummingbird
import Money
import ServiceKit

/// The storefront's cart API. A guest creates a cart and keeps the returned `cart_token`,
/// sending it as `X-Cart-Token`; a signed-in customer has one active cart, found by the
/// identity the gateway asserts. After signing in, the storefront merges the guest cart into
/// the customer's (``CartMergeController``). Someone else's cart id answers 404.
struct CartController: Controller {
    static let access = Access.everyone
    let carts: CartStore

    struct AddLine: Decodable {
        var variantId: String
        var quantity: Int
    }

    struct SetQuantity: Decodable {
        var quantity: Int
    }

    struct VoucherCode: Decodable {
        var code: String
    }

    /// Whether a code applies to a cart, and what it takes off.
    struct VoucherCheck: ResponseEncodable {
        var code: String
        var valid: Bool
        var reason: String?
        var message: String?
        var discount: Money?
    }

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.post("/carts") { request, context -> EditedResponse<Cart> in
            let (cart, created) = try await carts.open(for: CartAccess(request: request, context: context),
                                                        correlationId: context.correlationId, logger: context.logger)
            return EditedResponse(status: created ? .created : .ok, response: cart)
        }
        routes.get("/carts/{id}") { request, context -> Cart in
            guard let cart = try await carts.read(try Self.cartID(context), access: CartAccess(request: request, context: context),
                                                  correlationId: context.correlationId, logger: context.logger)
            else { throw Self.notFound }
            return cart
        }
        routes.post("/carts/{id}/lines") { request, context -> Cart in
            let id = try Self.cartID(context)
            let body = try await request.decodeBody(AddLine.self, context: context)
            var errors: [Problem.FieldError] = []
            let variant = UUID(uuidString: body.variantId)
            if variant == nil { errors.append(.init(field: "variant_id", message: "must be a UUID")) }
            if !(1...CartStore.maxQuantity).contains(body.quantity) {
                errors.append(.init(field: "quantity", message: "must be from 1 to \(CartStore.maxQuantity)"))
            }
            guard errors.isEmpty, let variant else { throw Problem.validation(errors) }
            return try await apply(.add(variant: variant, quantity: body.quantity), to: id, request, context)
        }
        routes.patch("/carts/{id}/lines/{variant_id}") { request, context -> Cart in
            let id = try Self.cartID(context)
            let body = try await request.decodeBody(SetQuantity.self, context: context)
            guard (0...CartStore.maxQuantity).contains(body.quantity) else {
                throw Problem.validation([.init(field: "quantity", message: "must be from 0 (removes the line) to \(CartStore.maxQuantity)")])
            }
            return try await apply(.set(variant: try Self.variantID(context), quantity: body.quantity), to: id, request, context)
        }
        routes.delete("/carts/{id}/lines/{variant_id}") { request, context -> Cart in
            try await apply(.remove(variant: try Self.variantID(context)), to: try Self.cartID(context), request, context)
        }
        routes.delete("/carts/{id}/lines") { request, context -> Cart in
            try await apply(.clear, to: try Self.cartID(context), request, context)
        }
        routes.post("/carts/{id}/voucher/validate") { request, context -> VoucherCheck in
            let (code, _, result) = try await voucher(request, context, apply: false)
            switch result {
            case .success(let discount): return VoucherCheck(code: code, valid: true, discount: discount)
            case .failure(let refusal): return VoucherCheck(code: code, valid: false, reason: refusal.rawValue, message: refusal.message)
            }
        }
        routes.put("/carts/{id}/voucher") { request, context -> Cart in
            let (_, cart, result) = try await voucher(request, context, apply: true)
            if case .failure(let refusal) = result {
                throw Problem(status: .unprocessableContent, type: "voucher-not-applicable", title: "This voucher cannot be used on this cart.",
                              detail: "\(refusal.rawValue): \(refusal.message)", errors: [.init(field: "code", message: refusal.message)])
            }
            return cart
        }
        routes.delete("/carts/{id}/voucher") { request, context -> Cart in
            try await apply(.voucher(nil), to: try Self.cartID(context), request, context)
        }
        return routes
    }

    private func apply(_ change: CartStore.Change, to id: UUID, _ request: Request, _ context: ServiceRequestContext) async throws -> Cart {
        guard let cart = try await carts.change(id, change, access: CartAccess(request: request, context: context),
                                                correlationId: context.correlationId, logger: context.logger)
        else { throw Self.notFound }
        return cart
    }

    /// Checks (and with `apply`, applies) the code in the body to the cart in the path.
    private func voucher(_ request: Request, _ context: ServiceRequestContext, apply: Bool) async throws
        -> (code: String, cart: Cart, result: Result<Money, Voucher.Refusal>) {
        let id = try Self.cartID(context)
        let code = try await Self.code(request, context)
        guard let (cart, result) = try await carts.voucher(code, on: id, apply: apply, access: CartAccess(request: request, context: context),
                                                           correlationId: context.correlationId, logger: context.logger)
        else { throw Self.notFound }
        return (code, cart, result)
    }

    static let notFound = Problem.notFound("That cart")

    static func code(_ request: Request, _ context: ServiceRequestContext) async throws -> String {
        let code = try await request.decodeBody(VoucherCode.self, context: context).code.trimmed
        guard (1...40).contains(code.count) else { throw Problem.validation([.init(field: "code", message: "must be 1 to 40 characters")]) }
        return code
    }

    static func cartID(_ context: ServiceRequestContext) throws -> UUID {
        try context.uuid(what: "That cart")
    }

    static func variantID(_ context: ServiceRequestContext) throws -> UUID {
        try context.uuid("variant_id", what: "That line")
    }
}
