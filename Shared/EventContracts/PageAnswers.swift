import Foundation

/// The checkout page an order was bought on, as it was then.
public struct PageReference: Codable, Sendable, Equatable {
    public var pageId: CheckoutPageID
    public var slug: String
    public var title: String

    public init(pageId: CheckoutPageID, slug: String, title: String) {
        self.pageId = pageId
        self.slug = slug
        self.title = title
    }
}

/// A buyer's answer to one of a checkout page's custom fields, kept with the question as it
/// was asked (the merchant may change the page later).
public struct FieldAnswer: Codable, Sendable, Equatable {
    /// The field's key on the page (`company`, `delivery_date`).
    public var key: String
    public var label: String
    /// `text`, `number`, `email`, `phone`, `select`, `checkbox` or `date`.
    public var type: String
    /// The answer as text: a number in its decimal form, `true`/`false` for a checkbox, a
    /// date as `YYYY-MM-DD`, a select's chosen option.
    public var value: String

    public init(key: String, label: String, type: String, value: String) {
        self.key = key
        self.label = label
        self.type = type
        self.value = value
    }
}
