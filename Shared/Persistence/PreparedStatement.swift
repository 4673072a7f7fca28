import PostgresNIO

/// A statement PostgreSQL parses and plans once per connection (PostgresNIO's
/// `PostgresPreparedStatement`), with its bindings listed in order: `values[0]` is `$1`. Use
/// it for what runs on every event or request; parsing and planning a small statement costs
/// PostgreSQL more than running it.
public protocol PreparedStatement: PostgresPreparedStatement {
    /// The values bound to `$1`, `$2`, … in order; nil binds NULL.
    var values: [(any PostgresEncodable & Sendable)?] { get }
}

extension PreparedStatement {
    public func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            if let value { try bindings.append(value) } else { bindings.appendNull() }
        }
        return bindings
    }
}
