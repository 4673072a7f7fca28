import Foundation

/// One forward-only step of a schema: applied once, in `version` order, recorded in the
/// schema's `schema_migrations` table. Never edit a migration that has shipped; add one.
public struct Migration: Sendable, Hashable {
    public let version: Int
    public let name: String
    /// The statements, run in order in the migration transaction (PostgreSQL's extended
    /// protocol takes one statement per query).
    public let statements: [String]

    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }

    /// Splits `sql` into statements at semicolons that end a line, except inside
    /// dollar-quoted bodies (`$$ … $$`, as in functions and `DO` blocks).
    public init(version: Int, name: String, sql: String) {
        var statements: [String] = []
        var current = ""
        var insideDollarQuote = false
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            current += line + "\n"
            if line.components(separatedBy: "$$").count % 2 == 0 { insideDollarQuote.toggle() }
            if !insideDollarQuote, line.trimmingCharacters(in: .whitespaces).hasSuffix(";") {
                statements.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
                current = ""
            }
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(rest) }
        self.init(version: version, name: name, statements: statements)
    }
}
