import PostgresNIO

/// Whether an error means PostgreSQL is out of reach (down, restarting, refusing
/// connections, or the session was cut) rather than that the work itself failed.
///
/// An outage is nobody's fault and passes: a route answers 503 with `Retry-After` instead of
/// a 500, and a consumer keeps retrying the event instead of counting the failure towards its
/// dead-letter limit.
public enum DatabaseOutage {
    /// SQLSTATE classes and codes of an unreachable or stopping server: class 08 (connection
    /// exception), 57P01–57P03 (admin or crash shutdown, cannot connect now), 53300 (too many
    /// connections).
    static func isOutageState(_ state: String) -> Bool {
        state.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(state)
    }

    /// True when `error` (or the error a failed transaction wraps) is an outage.
    public static func matches(_ error: any Error) -> Bool {
        if let error = error as? PostgresTransactionError {
            return [error.beginError, error.closureError, error.commitError].contains { $0.map(matches) ?? false }
        }
        guard let error = error as? PSQLError else {
            // The pool's own refusal once connecting kept failing (its circuit breaker).
            return String(reflecting: type(of: error)).hasSuffix("ConnectionPoolError")
        }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            return true
        case .server:
            return error.serverInfo?[.sqlState].map(isOutageState) ?? false
        default:
            return false
        }
    }
}
