import PostgresNIO

/// A unique or foreign-key constraint the database refused a write on, so that a route can
/// answer with a problem that names the field instead of a 500.
public struct ConstraintViolation: Sendable, Equatable {
    public enum Kind: Sendable { case unique, foreignKey, check }

    public var kind: Kind
    /// The constraint's name, e.g. `products_slug_key`.
    public var constraint: String

    /// The violation `error` describes, if it is one.
    public init?(_ error: any Error) {
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState],
              let constraint = error.serverInfo?[.constraintName] else { return nil }
        switch state {
        case "23505": kind = .unique
        case "23503": kind = .foreignKey
        case "23514": kind = .check
        default: return nil
        }
        self.constraint = constraint
    }
}
