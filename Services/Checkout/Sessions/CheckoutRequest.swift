import EventContracts
import Foundation
import ServiceKit

/// What a storefront sends to check out: a cart, or the variants to buy at once without one
/// (Buy Now). Prices are not part of it: they come from the catalog.
struct CheckoutRequest: Decodable, Sendable {
    var cartId: String?
    /// The cart version the storefront last saw; the checkout waits briefly for the replica
    /// to catch up to it, so the customer is charged for the cart they looked at.
    var cartVersion: Int?
    /// Buy Now: the variants and quantities to buy, instead of a cart.
    var items: [Item]?
    var contact: ContactDetails
    var shippingAddress: ShippingAddress
    /// Where the invoice goes, when not where the goods go.
    var billingAddress: ShippingAddress?
    /// What the buyer tells the shop (a gate code, a gift message), kept on the order.
    var customerNote: String?
    var paymentMethod: String
    /// Overrides the voucher applied on the cart.
    var voucherCode: String?

    /// A variant bought without a cart.
    struct Item: Decodable, Sendable {
        var variantId: String
        var quantity: Int
    }

    /// What the checkout buys.
    enum Source: Sendable {
        case cart(UUID)
        case items([CheckoutLine])
    }

    /// At most this many items in one Buy Now checkout, and of one item.
    static let itemLimit = 20
    static let quantityLimit = 999

    static let paymentMethods = PaymentMethod.allCases.map(\.rawValue)

    /// The payment method asked for; nil for a word that is none (refused by ``validated()``).
    var method: PaymentMethod? { PaymentMethod(rawValue: paymentMethod) }

    /// The request with tidied text, or every invalid field named. A Vietnamese address is
    /// today's (province or city, and one of its communes or wards, written as the official
    /// list writes them) or the older three-level form, mapped onto today's units where that
    /// is unambiguous (``VietnamDivisions``).
    func validated(divisions: VietnamDivisions = .official) throws -> (request: CheckoutRequest, source: Source) {
        var errors: [Problem.FieldError] = []
        var tidy = self
        var source: Source?
        switch (cartId, items) {
        case (let cartId?, nil):
            if let cart = UUID(uuidString: cartId) { source = .cart(cart) } else { errors.append(.init(field: "cart_id", message: "must be a UUID")) }
        case (nil, let items?):
            let lines = Self.lines(items, field: "items", errors: &errors)
            if let lines { source = .items(lines) }
        case (nil, nil):
            errors.append(.init(field: "cart_id", message: "is required, unless items name what to buy"))
        case (_?, _?):
            errors.append(.init(field: "items", message: "cannot be given with cart_id: check out a cart or buy items, not both"))
        }
        if let version = cartVersion, version < 0 { errors.append(.init(field: "cart_version", message: "must be 0 or more")) }
        if method == nil {
            errors.append(.init(field: "payment_method", message: "must be one of \(Self.paymentMethods.joined(separator: ", "))"))
        }
        tidy.contact.name = contact.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if !(1...120).contains(tidy.contact.name.count) { errors.append(.init(field: "contact.name", message: "must be 1 to 120 characters")) }
        tidy.contact.email = contact.email.trimmingCharacters(in: .whitespaces)
        if !ContactRules.isEmail(tidy.contact.email) { errors.append(.init(field: "contact.email", message: "must be an email address")) }
        let address = Self.address(shippingAddress, field: "shipping_address", divisions: divisions, errors: &errors)
        if address.country == "VN" {
            if let phone = ContactRules.vietnamesePhone(contact.phone) {
                tidy.contact.phone = phone
            } else {
                errors.append(.init(field: "contact.phone", message: "must be a Vietnamese mobile number: 0[3-9] and 8 digits, or +84 and 9 digits"))
            }
        } else if let phone = ContactRules.internationalPhone(contact.phone) {
            tidy.contact.phone = phone
        } else {
            errors.append(.init(field: "contact.phone", message: "must be a phone number of 7 to 15 digits, optionally starting with +"))
        }
        tidy.billingAddress = billingAddress.map { Self.address($0, field: "billing_address", divisions: divisions, errors: &errors) }
        if let note = customerNote?.trimmingCharacters(in: .whitespacesAndNewlines) {
            if note.count > 1000 { errors.append(.init(field: "customer_note", message: "must be at most 1000 characters")) }
            tidy.customerNote = note.isEmpty ? nil : note
        }
        tidy.shippingAddress = address
        if let code = voucherCode?.trimmingCharacters(in: .whitespaces) {
            if code.count > 64 { errors.append(.init(field: "voucher_code", message: "must be at most 64 characters")) }
            tidy.voucherCode = code.isEmpty ? nil : code
        }
        guard errors.isEmpty, let source else { throw Problem.validation(errors) }
        return (tidy, source)
    }

    /// An address with tidied text, every wrong member added to `errors` under `field`
    /// (`shipping_address.ward`). A Vietnamese address is today's (province or city, and one of
    /// its communes or wards, written as the official list writes them) or the older
    /// three-level form, mapped onto today's units where that is unambiguous.
    static func address(_ given: ShippingAddress, field prefix: String, divisions: VietnamDivisions,
                        errors: inout [Problem.FieldError]) -> ShippingAddress {
        var address = given
        address.country = address.country.trimmingCharacters(in: .whitespaces).uppercased()
        if address.country.count != 2 || !address.country.allSatisfy({ $0.isASCII && $0.isLetter }) {
            errors.append(.init(field: "\(prefix).country", message: "must be an ISO 3166 two-letter code such as VN"))
        }
        func required(_ value: String?, _ field: String, max: Int = 200) -> String? {
            let text = value?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard (1...max).contains(text.count) else {
                errors.append(.init(field: "\(prefix).\(field)", message: "is required (1 to \(max) characters)"))
                return nil
            }
            return text
        }
        func optional(_ value: String?, _ field: String, max: Int = 200) -> String? {
            let text = value?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if text.count > max { errors.append(.init(field: "\(prefix).\(field)", message: "must be at most \(max) characters")) }
            return text.isEmpty ? nil : text
        }
        address.line1 = required(address.line1, "line1") ?? ""
        address.line2 = optional(address.line2, "line2")
        if address.country == "VN" {
            address.province = required(address.province, "province", max: 100)
            address.district = optional(address.district, "district", max: 100)
            address.ward = required(address.ward, "ward", max: 100)
            address.city = optional(address.city, "city", max: 100)
            address.postalCode = optional(address.postalCode, "postal_code", max: 12)
            if let province = address.province, let ward = address.ward {
                switch divisions.resolve(province: province, district: address.district, ward: ward) {
                case .today(let province, let ward):
                    (address.province, address.ward, address.district) = (province.name, ward.name, nil)
                case .asWritten:
                    break
                case .unknownProvince:
                    errors.append(.init(field: "\(prefix).province",
                                        message: "is not one of Vietnam's 34 provinces and cities since 1 July 2025 (give the district too for an older address)"))
                case .unknownWard(let province):
                    errors.append(.init(field: "\(prefix).ward",
                                        message: "is not a commune or ward of \(province.name) since 1 July 2025 (give the district too for an older address)"))
                }
            }
        } else {
            address.city = required(address.city, "city", max: 100)
            address.postalCode = required(address.postalCode, "postal_code", max: 12)
            if let code = address.postalCode, !code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == " " || $0 == "-") }) {
                errors.append(.init(field: "\(prefix).postal_code", message: "may hold only letters, digits, spaces and hyphens"))
            }
            address.province = optional(address.province, "province", max: 100)
            address.district = optional(address.district, "district", max: 100)
            address.ward = optional(address.ward, "ward", max: 100)
        }
        return address
    }

    /// Items as checkout lines, or nil with every bad one named (`items[0].quantity`).
    static func lines(_ items: [Item], field: String, errors: inout [Problem.FieldError]) -> [CheckoutLine]? {
        guard (1...itemLimit).contains(items.count) else {
            errors.append(.init(field: field, message: "must name 1 to \(itemLimit) variants"))
            return nil
        }
        var lines: [CheckoutLine] = []
        let before = errors.count
        for (index, item) in items.enumerated() {
            if let variant = UUID(uuidString: item.variantId) {
                lines.append(CheckoutLine(variantId: VariantID(variant), quantity: item.quantity))
            } else {
                errors.append(.init(field: "\(field)[\(index)].variant_id", message: "must be a UUID"))
            }
            if !(1...quantityLimit).contains(item.quantity) {
                errors.append(.init(field: "\(field)[\(index)].quantity", message: "must be 1 to \(quantityLimit)"))
            }
        }
        if Set(lines.map(\.variantId)).count < lines.count {
            errors.append(.init(field: field, message: "must name each variant once"))
        }
        return errors.count == before ? lines : nil
    }
}

/// Email and phone number rules for contacts.
enum ContactRules {
    /// A pragmatic email check: one `@`, a dotted domain, no spaces, at most 254 characters.
    static func isEmail(_ text: String) -> Bool {
        guard text.count <= 254, !text.contains(where: { $0.isWhitespace || !$0.isASCII }) else { return false }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } }
            && (labels.last?.count ?? 0) >= 2
    }

    /// A Vietnamese mobile number in its national form (`0912345678`): `0[3-9]` and 8 digits,
    /// or the same after `+84`/`84`. Spaces, dots and hyphens between digits are ignored.
    static func vietnamesePhone(_ text: String) -> String? {
        var digits = text.filter { !" .-".contains($0) }
        if digits.hasPrefix("+84") { digits = "0" + digits.dropFirst(3) } else if digits.hasPrefix("84"), digits.count == 11 { digits = "0" + digits.dropFirst(2) }
        guard digits.count == 10, digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.hasPrefix("0"),
              let second = digits.dropFirst().first, ("3"..."9").contains(second) else { return nil }
        return digits
    }

    /// Any other number: 7 to 15 digits, optionally with a leading `+`.
    static func internationalPhone(_ text: String) -> String? {
        let compact = text.filter { !" .-()".contains($0) }
        let digits = compact.hasPrefix("+") ? compact.dropFirst() : Substring(compact)
        guard (7...15).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return compact
    }
}
