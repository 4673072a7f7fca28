import Logging

/// One comparison of two records that must agree (a service's payments and the card
/// provider's, held reservations and stock's `reserved`, …), run periodically and on demand by
/// the ``Reconciler``. Each run answers every mismatch it finds; an empty answer means the
/// records agree.
public struct ReconciliationCheck: Sendable {
    /// Stable name, as metrics and the admin list show it (`reservations-vs-stock`).
    public let name: String
    /// What is compared, for staff.
    public let summary: String
    let run: @Sendable (Logger) async throws -> [Mismatch]

    public init(_ name: String, summary: String, run: @escaping @Sendable (Logger) async throws -> [Mismatch]) {
        self.name = name
        self.summary = summary
        self.run = run
    }
}

/// One thing two records disagree on: the subject (`order:<id>`, `variant:<id>`) and what
/// differs.
public struct Mismatch: Sendable, Hashable {
    public var subject: String
    public var detail: String

    public init(subject: String, detail: String) {
        self.subject = subject
        self.detail = detail
    }
}
