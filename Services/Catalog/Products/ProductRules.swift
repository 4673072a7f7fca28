import Foundation
import Logging
import Money
import Persistence
import ServiceKit

/// What the catalog accepts in products and variants, with the field named in every refusal.
struct ProductRules: Sendable {
    /// The currencies this shop prices in (`SHOP_CURRENCIES`), and a store's own currency.
    private(set) var currencies: Set<String>
    /// Where a store's settings are read (its currency); nil in tests of the rules alone.
    var database: Database? = nil
    var stores = ServedStores()

    init(currencies: Set<String>, database: Database? = nil) {
        self.currencies = currencies
        self.database = database
    }

    /// These rules for the task's store (``StoreScope``): a store prices in the deployment's
    /// currencies and in its own.
    func ofTaskStore(logger: Logger) async throws -> ProductRules {
        guard let database, let store = StoreScope.current,
              let settings = try await stores.settings(of: store, database: database, logger: logger) else { return self }
        var rules = self
        rules.currencies.insert(settings.currency)
        return rules
    }

    static func slugProblem(_ slug: String) -> String? {
        guard (1...120).contains(slug.count),
              slug.range(of: #"^[a-z0-9]+(-[a-z0-9]+)*$"#, options: .regularExpression) != nil
        else { return "must be 1 to 120 lower-case letters, digits and single hyphens" }
        return nil
    }

    static func textProblem(_ text: String, max: Int, required: Bool = true) -> String? {
        if required && text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "is required" }
        if text.count > max { return "must be at most \(max) characters" }
        return nil
    }

    static func imageURLProblem(_ url: String) -> String? {
        guard url.count <= 2000, let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil
        else { return "must be an http(s) URL" }
        return nil
    }

    /// A digital variant's file: a relative path in the download store, no `..`, no hidden files.
    static func digitalFileProblem(_ path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...255).contains(path.count), path.range(of: #"^[A-Za-z0-9._/-]+$"#, options: .regularExpression) != nil,
              !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty && !$0.hasPrefix(".") })
        else { return "must be a relative path of letters, digits, '.', '_', '-' and '/' (no '..', no leading '/' or '.')" }
        return nil
    }

    static func skuProblem(_ sku: String) -> String? {
        guard (1...64).contains(sku.count), sku.range(of: #"^[A-Za-z0-9][A-Za-z0-9._-]*$"#, options: .regularExpression) != nil
        else { return "must be 1 to 64 letters, digits, '.', '_' or '-'" }
        return nil
    }

    /// The money value of a price field, or the field error.
    func price(_ input: MoneyInput, field: String, errors: inout [Problem.FieldError]) -> Money? {
        guard currencies.contains(input.currency), let currency = Currency(code: input.currency) else {
            errors.append(.init(field: "\(field).currency", message: "must be one of the shop's currencies: \(currencies.sorted().joined(separator: ", "))"))
            return nil
        }
        guard input.minorUnits >= 0, input.minorUnits <= 1_000_000_000_000 else {
            errors.append(.init(field: "\(field).minor_units", message: "must be from 0 to 1000000000000"))
            return nil
        }
        return Money(minorUnits: input.minorUnits, currency: currency)
    }

    static func optionsProblem(_ options: [String: String]) -> String? {
        if options.count > 10 { return "must have at most 10 options" }
        if options.contains(where: { $0.key.isEmpty || $0.key.count > 40 || $0.value.isEmpty || $0.value.count > 80 }) {
            return "names must be 1 to 40 characters and values 1 to 80"
        }
        return nil
    }
}

/// A price as clients send it: integer minor units and an ISO 4217 code.
struct MoneyInput: Decodable, Sendable {
    var minorUnits: Int64
    var currency: String
}
