import Foundation
import Money

/// A line as it was priced when stock was reserved: what the order keeps.
public struct PricedLine: Codable, Sendable, Equatable {
    public var variantId: VariantID
    public var productId: ProductID
    public var sku: String
    public var title: String
    public var quantity: Int
    public var unitPrice: Money
    public var lineTotal: Money
    /// For a digital variant: the file its buyer downloads (a path in fulfilment's store).
    /// Absent for goods that ship.
    public var digitalFile: String?

    public var isDigital: Bool { digitalFile != nil }

    public init(variantId: VariantID, productId: ProductID, sku: String, title: String, quantity: Int, unitPrice: Money, lineTotal: Money,
                digitalFile: String? = nil) {
        self.digitalFile = digitalFile
        self.variantId = variantId
        self.productId = productId
        self.sku = sku
        self.title = title
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.lineTotal = lineTotal
    }
}

/// Who to reach about an order.
public struct ContactDetails: Codable, Sendable, Equatable {
    public var name: String
    public var email: String
    public var phone: String

    public init(name: String, email: String, phone: String) {
        self.name = name
        self.email = email
        self.phone = phone
    }
}

/// Where the goods go. Vietnamese addresses use province, district and ward; others city
/// and postal code.
public struct ShippingAddress: Codable, Sendable, Equatable {
    public var country: String
    public var line1: String
    public var line2: String?
    public var ward: String?
    public var district: String?
    public var province: String?
    public var city: String?
    public var postalCode: String?

    public init(country: String, line1: String, line2: String? = nil, ward: String? = nil, district: String? = nil,
                province: String? = nil, city: String? = nil, postalCode: String? = nil) {
        self.country = country
        self.line1 = line1
        self.line2 = line2
        self.ward = ward
        self.district = district
        self.province = province
        self.city = city
        self.postalCode = postalCode
    }
}

/// How an order's total is made. With inclusive tax, `tax` is the part of the total that is
/// tax and is not added again.
public struct PriceBreakdown: Codable, Sendable, Equatable {
    public var subtotal: Money
    public var discount: Money
    public var shipping: Money
    public var tax: Money
    public var taxInclusive: Bool
    public var total: Money

    public init(subtotal: Money, discount: Money, shipping: Money, tax: Money, taxInclusive: Bool, total: Money) {
        self.subtotal = subtotal
        self.discount = discount
        self.shipping = shipping
        self.tax = tax
        self.taxInclusive = taxInclusive
        self.total = total
    }
}
