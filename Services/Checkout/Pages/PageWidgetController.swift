import EventContracts
import Foundation
import HTTPTypes
import Hummingbird
import Money
import ServiceKit

/// The public side of checkout pages, for buyers on any site (no sign-in; the gateway limits
/// its rate on its own): read a published page by the store's and the page's slug, open it as
/// a hosted page (which only the page's embed origins may frame), start a checkout from it
/// through the same saga as a cart's, and follow that checkout. A draft page is 404, an
/// archived one 410.
struct PageWidgetController: Controller {
    static let access = Access.everyone
    let pages: CheckoutPageStore
    let offers: OfferStore
    let rules: SalesRulesStore
    let checkouts: CheckoutController

    /// The trusted header by which the gateway tells who the client is (for counting unique visitors).
    static let clientAddressHeader = HTTPField.Name("X-Commerce-Client-Address")!

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.get("/widget/{store}/{page}") { request, context -> Response in
            let page = try await published(context)
            let visitor = (request.headers[Self.clientAddressHeader] ?? context.peerAddress ?? "") + " " + (request.headers[.userAgent] ?? "")
            try await pages.recordView(of: page.id.uuid, visitor: visitor, logger: context.logger)
            var response = try await view(of: page, context: context).response(from: request, context: context)
            response.headers[.cacheControl] = "no-store"
            return response
        }
        routes.get("/widget/{store}/{page}/pay") { _, context -> Response in
            let page = try await published(context)
            return HostedPage(page: page).response
        }
        routes.post("/widget/{store}/{page}/checkouts") { request, context -> Response in
            let page = try await published(context)
            let (body, bytes) = try await request.decodeBodyKeepingBytes(PageCheckoutRequest.self, context: context)
            let (checkout, line, answers) = try body.validated(for: page)
            if let method = checkout.method { try await rules.rules(logger: context.logger).check(method) }
            _ = try IdempotencyKeys.key(of: request)
            let store = context.parameters.get("store") ?? ""
            return try await checkouts.placeWithoutCart(request, context, checkout, lines: [line], bytes: bytes, field: "option",
                                                        naming: { _ in "option" }, page: page.reference, answers: answers,
                                                        following: "/widget/\(store)/\(page.slug)/checkouts")
        }
        routes.get("/widget/{store}/{page}/checkouts/{id}") { request, context -> Response in
            try await checkouts.follow(request, context)
        }
        return routes
    }

    /// The page the path names, if buyers may see it: 404 for none or a draft, 410 once archived.
    private func published(_ context: ServiceRequestContext) async throws -> CheckoutPage {
        let slug = context.parameters.get("page") ?? ""
        guard let page = try await pages.find(slug: slug, logger: context.logger), page.status != .draft else {
            throw Problem.notFound("That page")
        }
        guard page.status == .published else {
            throw Problem(status: .gone, type: "page-archived", title: "This page no longer takes orders.",
                          detail: "The merchant archived it.")
        }
        return page
    }

    /// The page as buyers see it: its options at today's prices, and how the store takes payment.
    private func view(of page: CheckoutPage, context: ServiceRequestContext) async throws -> PublicPage {
        let known = try await offers.offers(page.content.options.map(\.variantId.uuid), logger: context.logger)
        let methods = try await rules.rules(logger: context.logger).paymentMethods
        let options = page.content.options.compactMap { option -> PublicPage.Option? in
            guard let offer = known[option.variantId.uuid] else { return nil }
            return PublicPage.Option(variantId: option.variantId, label: option.label, title: offer.title, price: offer.price,
                                     digital: offer.digital, onSale: offer.onSale)
        }
        return PublicPage(slug: page.slug, title: page.title, description: page.content.description, imageUrl: page.content.imageUrl,
                          options: options, quantity: page.content.quantity, fields: page.content.fields,
                          vouchersAllowed: page.content.vouchersAllowed,
                          paymentMethods: PaymentMethod.allCases.filter(methods.contains),
                          successUrl: page.content.successUrl, cancelUrl: page.content.cancelUrl)
    }
}

/// A published page as its buyers read it.
struct PublicPage: ResponseEncodable, Sendable {
    struct Option: Codable, Sendable {
        var variantId: VariantID
        var label: String
        /// The variant's own title in the catalog.
        var title: String
        var price: Money
        var digital: Bool
        var onSale: Bool
    }

    var slug: String
    var title: String
    var description: String
    var imageUrl: String?
    var options: [Option]
    var quantity: QuantityLimits
    var fields: [CustomField]
    var vouchersAllowed: Bool
    var paymentMethods: [PaymentMethod]
    var successUrl: String?
    var cancelUrl: String?
}

/// What a buyer sends to check out on a page: which option and how many, who they are and
/// where it goes, their answers to the page's questions, and how they pay.
struct PageCheckoutRequest: Decodable, Sendable {
    /// The chosen option's variant; may be left out when the page has one option.
    var option: String?
    var quantity: Int?
    var contact: ContactDetails
    var shippingAddress: ShippingAddress
    var billingAddress: ShippingAddress?
    var customerNote: String?
    var answers: [String: AnswerValue]?
    var voucherCode: String?
    var paymentMethod: String

    /// The checkout to submit, the line it buys and the answers to keep, or 422 naming every
    /// wrong member at once: the option, the quantity against the page's limits, a voucher on a
    /// page that takes none, the contact and address as any checkout's, and each answer.
    func validated(for page: CheckoutPage) throws -> (CheckoutRequest, CheckoutLine, [FieldAnswer]) {
        var errors: [Problem.FieldError] = []
        let content = page.content
        var chosen: PageOption?
        if let option {
            chosen = content.options.first { $0.variantId.description == option.lowercased() }
            if chosen == nil { errors.append(.init(field: "option", message: "is not an option of this page")) }
        } else if content.options.count == 1 {
            chosen = content.options.first
        } else {
            errors.append(.init(field: "option", message: "is required: choose one of the page's options"))
        }
        let quantity = self.quantity ?? content.quantity.min
        if quantity < content.quantity.min || quantity > content.quantity.max {
            errors.append(.init(field: "quantity", message: "must be \(content.quantity.min) to \(content.quantity.max)"))
        }
        let voucher = voucherCode?.trimmingCharacters(in: .whitespaces)
        if let voucher, !voucher.isEmpty, !content.vouchersAllowed {
            errors.append(.init(field: "voucher_code", message: "is not taken on this page"))
        }
        let request = CheckoutRequest(items: [.init(variantId: (chosen?.variantId ?? VariantID(UUID())).description, quantity: 1)],
                                      contact: contact, shippingAddress: shippingAddress, billingAddress: billingAddress, customerNote: customerNote,
                                      paymentMethod: paymentMethod, voucherCode: voucher)
        var tidy: CheckoutRequest?
        do { tidy = try request.validated().request } catch let problem as Problem { errors += problem.errors }
        var answers: [FieldAnswer] = []
        do { answers = try CustomField.answers(self.answers ?? [:], to: content.fields) } catch let problem as Problem { errors += problem.errors }
        guard errors.isEmpty, var checkout = tidy, let chosen else { throw Problem.validation(errors) }
        checkout.items = [.init(variantId: chosen.variantId.description, quantity: quantity)]
        return (checkout, CheckoutLine(variantId: chosen.variantId, quantity: quantity), answers)
    }
}
