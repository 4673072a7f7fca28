import EventContracts
import Foundation
import HTTPTypes
import Hummingbird
import Persistence
import ServiceKit

/// Digital goods through the gateway: a guest's list of downloads by order number and email
/// (the owner's is ``MyDownloadsController``), and the download itself, which needs a
/// signed, unexpired link and the buyer: the owner's sign-in, or for a guest order the
/// order number and email as query parameters (`number`, `email`) as the guest lookup takes
/// them. Each download is counted.
struct DownloadController: Controller {
    static let access = Access.everyone
    let grants: DownloadGrantStore
    let store: any DownloadStore

    struct Downloads: ResponseEncodable, Sendable {
        var orderNumber: String?
        var downloads: [DownloadGrantStore.Download]
    }

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.get("/downloads") { request, context -> Downloads in
            let (number, email) = try Self.proof(request, required: true)
            guard let downloads = try await grants.downloads(number: number, email: email, logger: context.logger) else {
                throw Problem.notFound("An order with that number and email")
            }
            return Downloads(orderNumber: number, downloads: downloads)
        }
        routes.get("/downloads/{id}") { request, context -> Response in
            try await download(request, context)
        }
        return routes
    }

    /// The guest's proof: order number and email, both or neither.
    private static func proof(_ request: Request, required: Bool) throws -> (String?, String?) {
        let number = try request.queryText("number", maxLength: 40)
        let email = try request.queryText("email", maxLength: 254)
        var errors: [Problem.FieldError] = []
        if number == nil && (required || email != nil) { errors.append(.init(field: "number", message: "is required")) }
        if email == nil && (required || number != nil) { errors.append(.init(field: "email", message: "is required")) }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return (number, email)
    }

    private func download(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let id = try context.uuid(what: "That download")
        var errors: [Problem.FieldError] = []
        let expiresText = try request.queryText("expires", maxLength: 20)
        let signature = try request.queryText("signature", maxLength: 128)
        let storeText = try request.queryText("store", maxLength: 40)
        let expires = expiresText.flatMap(Int.init)
        // A link naming no store is signed as the original store's links always were.
        let linkStore = storeText.map(StoreID.init) ?? .original
        if expires == nil { errors.append(.init(field: "expires", message: expiresText == nil ? "is required" : "must be a Unix time in seconds")) }
        if signature == nil { errors.append(.init(field: "signature", message: "is required")) }
        if linkStore == nil { errors.append(.init(field: "store", message: "must be a store id")) }
        let (number, email) = try Self.proof(request, required: false)
        guard errors.isEmpty, let expires, let signature, let linkStore else { throw Problem.validation(errors) }
        guard grants.signer.isValid(signature, of: LinkSigner.download(grant: id, expires: expires, store: linkStore)) else {
            throw Problem(status: .forbidden, type: "link-invalid", title: "This download link is not valid.",
                          detail: "It was changed or was never issued by this shop.", errors: [.init(field: "signature", message: "does not match")])
        }
        guard Date().timeIntervalSince1970 < Double(expires) else { throw Self.expired }
        // The signed link names its store, whichever store the request reached (an email's
        // link carries no store key); one naming none belongs to the store the request reached.
        // Staff skip the buyer's proof only in the store they work in.
        let store = storeText == nil ? (context.storeId ?? .original) : linkStore
        var caller = context.caller(of: request)
        if store != context.storeId, [.staff, .admin].contains(caller.role) { caller = CallerIdentity(role: .guest) }
        return try await StoreScope.run(for: store) {
            try await serve(id, caller: caller, number: number, email: email, context: context)
        }
    }

    private func serve(_ id: UUID, caller: CallerIdentity, number: String?, email: String?, context: ServiceRequestContext) async throws -> Response {
        guard let grant = try await grants.find(id, logger: context.logger) else { throw Problem.notFound("That download") }
        if let owner = grant.customerId {
            guard caller.role != .guest else { throw Problem.unauthenticated }
            guard caller.customerId == owner || [.staff, .admin].contains(caller.role) else { throw Problem.notFound("That download") }
        } else if ![.staff, .admin].contains(caller.role) {
            guard let number, let email else {
                throw Problem(status: .unauthorized, type: "order-proof-required", title: "Say which order this is.",
                              detail: "A guest order's downloads need its number and the email it was placed with.",
                              errors: [.init(field: "number", message: "is required"), .init(field: "email", message: "is required")])
            }
            guard number == grant.orderNumber, email.lowercased() == grant.email.lowercased() else { throw Problem.notFound("That download") }
        }
        guard !grant.revoked else {
            throw Problem(status: .gone, type: "download-revoked", title: "This download was withdrawn.",
                          detail: "The order was cancelled or refunded.")
        }
        guard grant.expiresAt > Date() else { throw Self.expired }
        guard let file = try store.open(grant.fileReference) else {
            context.logger.error("a digital good's file is missing", metadata: ["download.id": "\(id)", "file": "\(grant.fileReference)"])
            throw Problem(status: .serviceUnavailable, type: "download-unavailable", title: "This file cannot be served right now.",
                          detail: "The shop has been told; try again later.")
        }
        guard try await grants.count(id, logger: context.logger) else { throw Self.expired }
        context.logger.info("download served", metadata: ["download.id": "\(id)", "order.number": "\(grant.orderNumber)"])
        let name = (grant.fileReference.split(separator: "/").last.map(String.init) ?? "download")
            .filter { $0.isLetter || $0.isNumber || "._-".contains($0) }
        var headers = HTTPFields()
        headers[.contentType] = Self.mediaType(of: name)
        headers[.contentDisposition] = "attachment; filename=\"\(name)\""
        headers[.cacheControl] = "private, no-store"
        headers[.contentLength] = String(file.size)
        return Response(status: .ok, headers: headers, body: file.body)
    }

    static let expired = Problem(status: .gone, type: "link-expired", title: "This download link has expired.",
                                 detail: "Download links work for a limited time after payment.",
                                 errors: [.init(field: "expires", message: "has passed")])

    static func mediaType(of name: String) -> String {
        switch name.split(separator: ".").last?.lowercased() {
        case "pdf": "application/pdf"
        case "epub": "application/epub+zip"
        case "zip": "application/zip"
        case "mp3": "audio/mpeg"
        case "mp4": "video/mp4"
        case "txt": "text/plain; charset=utf-8"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        default: "application/octet-stream"
        }
    }
}
