import Persistence
import PostgresNIO

extension Problem {
    /// 409 for a value that must be unique and is taken.
    public static func taken(field: String, what: String) -> Problem {
        Problem(status: .conflict, type: "already-exists", title: "\(what) already exists.",
                errors: [.init(field: field, message: "is already taken")])
    }
}
