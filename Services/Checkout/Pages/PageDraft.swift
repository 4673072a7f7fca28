import EventContracts
import Foundation
import ServiceKit

/// What staff send to create or change a page: on creation `slug` and `title` are required and
/// the rest starts empty; on a change, what is absent stays as it was (`fields` and `options`
/// are replaced whole). ``applied(to:)`` checks every member and names each wrong one.
struct PageDraft: Decodable, Sendable {
    var slug: String?
    var title: String?
    var description: String?
    var imageUrl: String?
    var options: [PageOption.Input]?
    var quantity: QuantityLimits?
    var fields: [CustomField]?
    var vouchersAllowed: Bool?
    var successUrl: String?
    var cancelUrl: String?
    var embedOrigins: [String]?

    static let optionLimit = 20
    static let fieldLimit = 20
    static let choiceLimit = 50

    /// The page's slug, title and content with this draft applied, or 422 naming every wrong member.
    func applied(to page: (slug: String, title: String, content: PageContent)?) throws -> (slug: String, title: String, content: PageContent) {
        var errors: [Problem.FieldError] = []
        var content = page?.content ?? PageContent()
        let slug = (slug ?? page?.slug ?? "").trimmingCharacters(in: .whitespaces)
        if !Self.isSlug(slug) {
            errors.append(.init(field: "slug", message: "must be 1 to 80 lower-case letters, digits and single hyphens"))
        }
        let title = (title ?? page?.title ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if !(1...120).contains(title.count) { errors.append(.init(field: "title", message: "must be 1 to 120 characters")) }
        if let description {
            if description.count > 5000 { errors.append(.init(field: "description", message: "must be at most 5000 characters")) }
            content.description = description
        }
        if let imageUrl {
            if !imageUrl.isEmpty, !Self.isWebAddress(imageUrl) { errors.append(.init(field: "image_url", message: "must be an http or https URL")) }
            content.imageUrl = imageUrl.isEmpty ? nil : imageUrl
        }
        if let options {
            content.options = Self.options(options, errors: &errors)
        }
        if let quantity {
            if !(1...CheckoutRequest.quantityLimit).contains(quantity.min) {
                errors.append(.init(field: "quantity.min", message: "must be 1 to \(CheckoutRequest.quantityLimit)"))
            }
            if quantity.max < quantity.min || quantity.max > CheckoutRequest.quantityLimit {
                errors.append(.init(field: "quantity.max", message: "must be from quantity.min to \(CheckoutRequest.quantityLimit)"))
            }
            content.quantity = quantity
        }
        if let fields {
            content.fields = Self.fields(fields, errors: &errors)
        }
        if let vouchersAllowed { content.vouchersAllowed = vouchersAllowed }
        for (value, field, keyPath) in [(successUrl, "success_url", \PageContent.successUrl), (cancelUrl, "cancel_url", \PageContent.cancelUrl)] {
            guard let value else { continue }
            if !value.isEmpty, !Self.isWebAddress(value) { errors.append(.init(field: field, message: "must be an http or https URL")) }
            content[keyPath: keyPath] = value.isEmpty ? nil : value
        }
        if let embedOrigins {
            if embedOrigins.count > 20 { errors.append(.init(field: "embed_origins", message: "may list at most 20 origins")) }
            for (index, origin) in embedOrigins.enumerated() where Self.origin(origin) == nil {
                errors.append(.init(field: "embed_origins[\(index)]", message: "must be an origin such as https://shop.example (scheme, host and port only)"))
            }
            content.embedOrigins = embedOrigins.compactMap(Self.origin)
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return (slug, title, content)
    }

    private static func options(_ inputs: [PageOption.Input], errors: inout [Problem.FieldError]) -> [PageOption] {
        if inputs.count > optionLimit { errors.append(.init(field: "options", message: "may list at most \(optionLimit) variants")) }
        var options: [PageOption] = []
        for (index, input) in inputs.enumerated() {
            let label = input.label.trimmingCharacters(in: .whitespacesAndNewlines)
            if !(1...80).contains(label.count) { errors.append(.init(field: "options[\(index)].label", message: "must be 1 to 80 characters")) }
            guard let variant = VariantID(input.variantId) else {
                errors.append(.init(field: "options[\(index)].variant_id", message: "must be a UUID"))
                continue
            }
            if options.contains(where: { $0.variantId == variant }) {
                errors.append(.init(field: "options[\(index)].variant_id", message: "is already an option of this page"))
            }
            options.append(PageOption(variantId: variant, label: label))
        }
        return options
    }

    private static func fields(_ fields: [CustomField], errors: inout [Problem.FieldError]) -> [CustomField] {
        if fields.count > fieldLimit { errors.append(.init(field: "fields", message: "may list at most \(fieldLimit) fields")) }
        var keys: Set<String> = []
        return fields.enumerated().map { index, input in
            var field = input
            field.label = input.label.trimmingCharacters(in: .whitespacesAndNewlines)
            if !isFieldKey(field.key) {
                errors.append(.init(field: "fields[\(index)].key", message: "must be 1 to 40 of a-z, 0-9 and _, starting with a letter"))
            } else if !keys.insert(field.key).inserted {
                errors.append(.init(field: "fields[\(index)].key", message: "is already the key of another field"))
            }
            if !(1...120).contains(field.label.count) { errors.append(.init(field: "fields[\(index)].label", message: "must be 1 to 120 characters")) }
            if field.type == .select {
                let choices = (field.choices ?? []).map { $0.trimmingCharacters(in: .whitespaces) }
                if !(1...choiceLimit).contains(choices.count) || Set(choices).count < choices.count
                    || choices.contains(where: { !(1...100).contains($0.count) }) {
                    errors.append(.init(field: "fields[\(index)].choices", message: "must list 1 to \(choiceLimit) different choices of 1 to 100 characters"))
                }
                field.choices = choices
            } else if field.choices != nil {
                errors.append(.init(field: "fields[\(index)].choices", message: "are only for a select"))
            }
            return field
        }
    }

    static func isSlug(_ text: String) -> Bool {
        (1...80).contains(text.count) && !text.hasPrefix("-") && !text.hasSuffix("-") && !text.contains("--")
            && text.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
    }

    static func isFieldKey(_ text: String) -> Bool {
        (1...40).contains(text.count) && (text.first?.isLowercase ?? false)
            && text.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }
    }

    static func isWebAddress(_ text: String) -> Bool {
        guard text.count <= 2000, let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty
        else { return false }
        return scheme == "https" || scheme == "http"
    }

    /// `text` as an origin (`https://shop.example:8443`, lower-cased), or nil when it is not one.
    static func origin(_ text: String) -> String? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = url.host?.lowercased(), !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }),
              url.path.isEmpty || url.path == "/", url.query == nil, url.fragment == nil,
              url.user == nil, !text.hasSuffix("/") || url.path == "/"
        else { return nil }
        return "\(scheme)://\(host)" + (url.port.map { ":\($0)" } ?? "")
    }
}

extension PageOption {
    /// An option as staff send it.
    struct Input: Decodable, Sendable {
        var variantId: String
        var label: String
    }
}
