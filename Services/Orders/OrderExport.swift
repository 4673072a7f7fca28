import EventContracts
import Foundation
import HTTPTypes

/// Orders as a CSV file for a spreadsheet or an accounting tool (RFC 4180, UTF-8 with a
/// byte-order mark so spreadsheets read Vietnamese correctly): one row per order, amounts in
/// minor units, and one column per custom-field question any of the orders answered
/// (`answer:<key>`, in the order the questions first appear).
struct OrderExport: Sendable {
    /// At most this many orders in one file: narrow the dates for more.
    static let limit = 10_000
    /// `true` on a file that holds the first ``limit`` orders of more.
    static let truncatedHeader = HTTPField.Name("X-Export-Truncated")!

    var orders: [Order]

    var csv: String {
        var keys: [String] = []
        for order in orders {
            for answer in order.answers ?? [] where !keys.contains(answer.key) { keys.append(answer.key) }
        }
        let header = ["number", "created_at", "status", "payment_status", "payment_method", "currency", "subtotal", "discount", "shipping",
                      "tax", "total", "refunded", "customer_name", "email", "phone", "country", "province", "ward", "line1", "page"]
            + keys.map { "answer:\($0)" }
        let formatter = ISO8601DateFormatter()
        var lines = [header.map(Self.cell).joined(separator: ",")]
        for order in orders {
            let address = order.shippingAddress
            var row = [order.number, formatter.string(from: order.createdAt), order.status.rawValue, order.paymentStatus,
                       order.paymentMethod.rawValue, order.price.total.currency.code, "\(order.price.subtotal.minorUnits)",
                       "\(order.price.discount.minorUnits)", "\(order.price.shipping.minorUnits)", "\(order.price.tax.minorUnits)",
                       "\(order.price.total.minorUnits)", "\(order.refunded.minorUnits)", order.contact.name, order.contact.email,
                       order.contact.phone, address.country, address.province ?? address.city ?? "", address.ward ?? "", address.line1,
                       order.page?.slug ?? ""]
            let answers = Dictionary((order.answers ?? []).map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
            row += keys.map { answers[$0] ?? "" }
            lines.append(row.map(Self.cell).joined(separator: ","))
        }
        return "\u{FEFF}" + lines.joined(separator: "\r\n") + "\r\n"
    }

    /// One cell, always quoted (a spreadsheet set to split on `;`, as Vietnamese ones are, must
    /// not split one either); text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`,
    /// tab, CR at the start) is prefixed with `'`, unless it is a number (`-1.5`, `+84…`).
    static func cell(_ text: String) -> String {
        var value = text
        if let first = value.first, "=+-@\t\r".contains(first), !isNumber(value) { value = "'" + value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A plain decimal number: a sign, digits and at most one point.
    static func isNumber(_ text: String) -> Bool {
        let digits = text.drop { $0 == "+" || $0 == "-" }
        return text.count - digits.count <= 1 && !digits.isEmpty && digits.filter { $0 == "." }.count <= 1
            && digits.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") } && digits.contains(where: \.isNumber)
    }
}
