import Crypto
import EventContracts
import Foundation
import HTTPTypes
import Hummingbird
import PostgresNIO
import ServiceKit

/// The storefront's checkout API: place a checkout for a cart, or for variants bought at once
/// without one (Buy Now), once per `Idempotency-Key`; follow it until it has an order and
/// payment instructions (`Prefer: wait=N` waits for that; with `If-None-Match` naming the copy
/// the client has, it waits for any change and answers 304 when there was none), or give it
/// up before paying. A checkout is its creator's: a customer's by their identity, a guest's
/// by the cart token they checked out with or, without a cart, by the secret they made and
/// sent when they placed it (`X-Checkout-Token`); anyone else gets 404.
struct CheckoutController: Controller {
    static let access = Access.everyone
    let sessions: CheckoutStore
    let replica: CartReplicaStore
    let offers: OfferStore
    let idempotency: IdempotencyKeys
    let replicaPatience: Duration
    /// The store's sales rules: the payment methods it offers.
    let rules: SalesRulesStore

    static let cartTokenHeader = HTTPField.Name("X-Cart-Token")!
    static let checkoutTokenHeader = HTTPField.Name("X-Checkout-Token")!

    struct Created: Decodable { var id: UUID }

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.post("/checkouts") { request, context -> Response in
            let caller = context.caller(of: request)
            let (body, bytes) = try await request.decodeBodyKeepingBytes(CheckoutRequest.self, context: context)
            let (checkout, source) = try body.validated()
            if let method = checkout.method { try await rules.rules(logger: context.logger).check(method) }
            _ = try IdempotencyKeys.key(of: request)
            guard case .cart(let cartID) = source else {
                guard case .items(let lines) = source else { throw Problem.notFound("That checkout") }
                return try await placeWithoutCart(request, context, checkout, lines: lines, bytes: bytes, field: "items",
                                                  naming: { "items[\($0)].variant_id" }, following: "/checkouts")
            }
            let digest = Self.guestTokenDigest(request)
            guard caller.customerId != nil || digest != nil else {
                throw Problem.validation([.init(field: "X-Cart-Token", message: "is required to check out a guest cart")])
            }
            let scope = caller.customerId.map { "customer:\($0.uuidString.lowercased())" } ?? "guest:\(digest ?? "")"
            try await replica.awaitVersion(cartID, atLeast: checkout.cartVersion, patience: replicaPatience, logger: context.logger)
            return try await place(request, context, scope: scope, bytes: bytes, following: "/checkouts") { connection, id in
                let cart = try await replica.cart(for: checkout, id: cartID, caller: caller, guestTokenDigest: digest,
                                                  on: connection, logger: context.logger)
                return try await sessions.submit(checkout, id: id, basket: cart.basket, caller: caller, guestTokenDigest: digest,
                                                 correlationId: context.correlationId, on: connection, logger: context.logger)
            }
        }
        routes.get("/checkouts/{id}") { request, context -> Response in try await follow(request, context) }
        routes.post("/checkouts/{id}/cancel") { request, context -> CheckoutSession in
            let id = try context.uuid(what: "That checkout")
            _ = try await owned(id, request, context)
            return try await sessions.abandon(id, by: "customer", correlationId: context.correlationId, logger: context.logger)
        }
        return routes
    }

    /// The checkout the path names (`{id}`) as its owner may see it, after waiting as
    /// `Prefer: wait` and `If-None-Match` ask.
    func follow(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let id = try context.uuid(what: "That checkout")
        let wait = PreferWait.seconds(in: request.headers)
        let known = request.headers[values: .ifNoneMatch]
        // The first read of the wait is also the ownership check.
        guard let session = try await sessions.awaitOutcome(id, seconds: wait, changedFrom: known, logger: context.logger,
                                                            admitting: { try admit($0, request, context) }) else {
            throw Problem.notFound("That checkout")
        }
        var response = TaggedBody.noneMatch(known, tag: session.entityTag)
            ? Response(status: .notModified) : try session.response(from: request, context: context)
        response.headers[.eTag] = session.entityTag
        response.headers[.cacheControl] = "private, no-cache"
        if wait > 0 { response.headers[PreferWait.appliedHeader] = "wait=\(wait)" }
        return response
    }

    /// Writes a checkout: `submit` opens it, with the id it is to have, in the transaction
    /// that stores the answer under the request's `Idempotency-Key`.
    typealias SessionSubmission = @Sendable (PostgresConnection, UUID) async throws -> CheckoutSession

    /// Places a checkout of `lines` bought without a cart (Buy Now, a checkout page). A
    /// customer's is theirs; a guest makes a secret of their own and sends it as
    /// `X-Checkout-Token` to place it and to follow it: only its digest is kept, and it scopes
    /// the guest's `Idempotency-Key`s, so no one else's key can replay their answer. Lines not
    /// on sale are named as `naming` names them.
    func placeWithoutCart(_ request: Request, _ context: ServiceRequestContext, _ checkout: CheckoutRequest, lines: [CheckoutLine],
                          bytes: Data, field: String, naming: @escaping @Sendable (Int) -> String, page: PageReference? = nil,
                          answers: [FieldAnswer]? = nil, following path: String) async throws -> Response {
        let caller = context.caller(of: request)
        let scope: String
        let accessDigest: String?
        if let customer = caller.customerId {
            (scope, accessDigest) = ("customer:\(customer.uuidString.lowercased())", nil)
        } else {
            guard let token = request.headers[Self.checkoutTokenHeader], Self.isGuestSecret(token) else {
                throw Problem.validation([.init(field: Self.checkoutTokenHeader.rawName,
                                                message: "is required to buy as a guest: a secret the client makes (32 to 128 letters, digits, - and _, e.g. 32 random bytes in base64url) and sends again to follow the checkout")])
            }
            let digest = Self.digest(token)
            (scope, accessDigest) = ("guest-checkout:\(digest)", digest)
        }
        return try await place(request, context, scope: scope, bytes: bytes, following: path) { connection, id in
            let basket = try await offers.basket(lines, field: field, naming: naming, method: checkout.method, on: connection, logger: context.logger)
            return try await sessions.submit(checkout, id: id, basket: basket, caller: caller, guestTokenDigest: nil, accessTokenDigest: accessDigest,
                                             page: page, answers: answers, correlationId: context.correlationId, on: connection, logger: context.logger)
        }
    }

    /// A guest's own secret for a checkout without a cart: long enough not to be guessed.
    static func isGuestSecret(_ token: String) -> Bool {
        (32...128).contains(token.count) && token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    /// Places a checkout once per `Idempotency-Key` (`scope` is whose keys are one space) and
    /// answers 202 with where to follow it (`<path>/<id>`); with `Prefer: wait=N`, once it has
    /// its order and payment instructions or its outcome, if that comes within the wait.
    func place(_ request: Request, _ context: ServiceRequestContext, scope: String, bytes: Data, following path: String,
               submit: SessionSubmission) async throws -> Response {
        // Watched before it commits, a new checkout need not be read back to be waited on.
        let id = UUID()
        let watch = sessions.watch(id)
        defer { watch.cancel() }
        let submitted = Submitted()
        let answer = try await idempotency.respond(to: request, context: context, scope: scope, bytes: bytes, status: .accepted) { connection in
            let session = try await submit(connection, id)
            submitted.session = session
            return session
        }
        var response = answer.response
        let created = try Request.decode(Created.self, from: answer.body)
        response.headers[.location] = "\(path)/\(created.id.uuidString.lowercased())"
        let wait = PreferWait.seconds(in: request.headers)
        let fresh = answer.replayed ? nil : submitted.session
        guard wait > 0, let session = try await sessions.awaitOutcome(created.id, seconds: wait, logger: context.logger,
                                                                      from: fresh.map { (copy: $0, watch: watch) }) else { return response }
        var waited = try session.response(from: request, context: context)
        waited.status = .accepted
        waited.headers[.eTag] = session.entityTag
        waited.headers[.location] = response.headers[.location]
        waited.headers[PreferWait.appliedHeader] = "wait=\(wait)"
        if answer.replayed { waited.headers[IdempotencyKeys.replayedHeader] = "true" }
        return waited
    }

    /// The session a placement wrote, kept for the wait that follows it.
    private final class Submitted: @unchecked Sendable { var session: CheckoutSession? }

    /// The checkout if the caller may see it: its customer, the guest holding its cart's
    /// token, or staff. Otherwise 404, as if it did not exist.
    private func owned(_ id: UUID, _ request: Request, _ context: ServiceRequestContext) async throws -> CheckoutSession {
        guard let session = try await sessions.find(id, logger: context.logger) else { throw Problem.notFound("That checkout") }
        try admit(session, request, context)
        return session
    }

    /// Throws 404 unless the caller may see `session`.
    private func admit(_ session: CheckoutSession, _ request: Request, _ context: ServiceRequestContext) throws {
        let caller = context.caller(of: request)
        if caller.role == .staff || caller.role == .admin { return }
        if let owner = session.customerId, owner == caller.customerId { return }
        if session.customerId == nil, let digest = session.guestTokenDigest, digest == Self.guestTokenDigest(request) { return }
        if session.customerId == nil, let digest = session.accessTokenDigest,
           let token = request.headers[Self.checkoutTokenHeader], digest == Self.digest(token) { return }
        throw Problem.notFound("That checkout")
    }

    /// Hex SHA-256 of the presented guest cart token, as the catalog's cart snapshots carry it.
    static func guestTokenDigest(_ request: Request) -> String? {
        guard let token = request.headers[cartTokenHeader], !token.isEmpty else { return nil }
        return digest(token)
    }

    /// Hex SHA-256 of a token: what is kept of it.
    static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
