import EventContracts
import Foundation
import Hummingbird
import Money

/// A page a merchant builds to sell something without a storefront of their own: what it
/// sells (one or more catalog variants shown as options, each at its own price), the questions
/// it asks its buyers, and where it may be embedded. Buyers reach it by the store's and the
/// page's slug (``PageWidgetController``) and check out through the same saga as a cart.
struct CheckoutPage: ResponseEncodable, Sendable {
    var id: CheckoutPageID
    var slug: String
    var title: String
    var status: PageStatus
    var content: PageContent
    var createdAt: Date
    var updatedAt: Date
    var publishedAt: Date?
    /// For staff: the copy-paste code that shares or embeds the page.
    var embed: EmbedCode?
    /// For staff: how the page does.
    var statistics: PageStatistics?

    /// The page as orders remember it.
    var reference: PageReference { PageReference(pageId: id, slug: slug, title: title) }

    private enum CodingKeys: String, CodingKey {
        case id, slug, title, status, description, imageUrl, options, quantity, fields, vouchersAllowed, successUrl, cancelUrl
        case embedOrigins, createdAt, updatedAt, publishedAt, embed, statistics
    }

    /// The page flat, as the admin API shows it: its content's members beside its own.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(slug, forKey: .slug)
        try container.encode(title, forKey: .title)
        try container.encode(status, forKey: .status)
        try container.encode(content.description, forKey: .description)
        try container.encodeIfPresent(content.imageUrl, forKey: .imageUrl)
        try container.encode(content.options, forKey: .options)
        try container.encode(content.quantity, forKey: .quantity)
        try container.encode(content.fields, forKey: .fields)
        try container.encode(content.vouchersAllowed, forKey: .vouchersAllowed)
        try container.encodeIfPresent(content.successUrl, forKey: .successUrl)
        try container.encodeIfPresent(content.cancelUrl, forKey: .cancelUrl)
        try container.encode(content.embedOrigins, forKey: .embedOrigins)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encodeIfPresent(publishedAt, forKey: .publishedAt)
        try container.encodeIfPresent(embed, forKey: .embed)
        try container.encodeIfPresent(statistics, forKey: .statistics)
    }
}

/// Where a page is: a `draft` is seen only by staff, a `published` page takes buyers, an
/// `archived` one tells buyers it is gone (410).
enum PageStatus: String, Codable, Sendable, CaseIterable {
    case draft, published, archived
}

/// Everything a page says besides its slug, title and status, kept as one document.
struct PageContent: Codable, Sendable, Equatable {
    var description: String = ""
    var imageUrl: String?
    /// The variants the buyer chooses from, in the order shown.
    var options: [PageOption] = []
    var quantity = QuantityLimits()
    /// The questions asked, in the order shown.
    var fields: [CustomField] = []
    var vouchersAllowed = true
    /// Where the buyer goes after paying, and after giving up.
    var successUrl: String?
    var cancelUrl: String?
    /// The origins (`https://shop.example`) whose pages may frame this one.
    var embedOrigins: [String] = []
}

/// A variant the page offers, under the merchant's own label ("Small tin").
struct PageOption: Codable, Sendable, Equatable {
    var variantId: VariantID
    var label: String
}

/// How many a buyer may take in one checkout.
struct QuantityLimits: Codable, Sendable, Equatable {
    var min = 1
    var max = 10
}

/// One question a page asks its buyers, answered at checkout and kept on the order.
struct CustomField: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable, CaseIterable {
        case text, number, email, phone, select, checkbox, date
    }

    /// How the answer is named in requests and exports: lower-case letters, digits and `_`.
    var key: String
    var label: String
    var type: Kind
    var required: Bool
    /// A select's choices, in the order shown.
    var choices: [String]?
}

/// The code a merchant copies to share or embed a page.
struct EmbedCode: Codable, Sendable, Equatable {
    /// The page itself, to share as a link.
    var link: String
    /// An `<iframe>` showing the page in the merchant's own site (allowed only on the page's embed origins).
    var iframe: String
    /// A button that opens the page.
    var button: String

    init(link: String, title: String) {
        self.link = link
        let escaped = Self.escaped(title)
        iframe = "<iframe src=\"\(link)\" title=\"\(escaped)\" width=\"100%\" height=\"760\" style=\"border:0;max-width:560px\" loading=\"lazy\" allow=\"payment\"></iframe>"
        button = "<a href=\"\(link)\" target=\"_blank\" rel=\"noopener\" style=\"display:inline-block;padding:12px 20px;border-radius:8px;background:#0f766e;color:#fff;font:600 16px system-ui,sans-serif;text-decoration:none\">\(escaped)</a>"
    }

    /// Text safe inside HTML and its attributes.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;")
    }
}

/// How a page does: unique visitors a day, checkouts started from it, those that completed
/// and what they brought in, per currency.
struct PageStatistics: Codable, Sendable, Equatable {
    var views: Int
    var checkoutsStarted: Int
    var conversions: Int
    /// Conversions per view, 0 to 1 (four decimals); 0 before the first view.
    var conversionRate: Double
    var revenue: [Money]

    init(views: Int, checkoutsStarted: Int, conversions: Int, revenue: [Money]) {
        self.views = views
        self.checkoutsStarted = checkoutsStarted
        self.conversions = conversions
        self.revenue = revenue
        conversionRate = views == 0 ? 0 : (Double(conversions) / Double(views) * 10_000).rounded() / 10_000
    }
}
