import Foundation
import Logging
import Persistence
import PostgresNIO

/// What reconciliation found, in the kit's `reconciliation_runs` (each check's last run) and
/// `reconciliation_findings` (each mismatch from the run that first saw it until the run that
/// no longer does).
public struct ReconciliationStore: Sendable {
    /// A check's last run.
    public struct Run: Sendable {
        public var check: String
        public var ranAt: Date
        public var mismatches: Int
        public var error: String?
    }

    /// A mismatch, open until a run no longer finds it.
    public struct Finding: Sendable {
        public var check: String
        public var subject: String
        public var detail: String
        public var firstSeenAt: Date
        public var lastSeenAt: Date
    }

    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Records a run of `check` that found `mismatches`: new ones open, seen ones stay open
    /// with the latest detail, the ones no longer found close.
    func record(_ check: String, mismatches: [Mismatch], logger: Logger) async throws {
        let subjects = mismatches.map(\.subject)
        let details = mismatches.map(\.detail)
        try await database.transaction(logger: logger) { connection in
            try await connection.query("""
                INSERT INTO reconciliation_findings (check_name, subject, detail)
                SELECT \(check), subject, detail FROM unnest(\(subjects)::text[], \(details)::text[]) AS found(subject, detail)
                ON CONFLICT (check_name, subject) WHERE resolved_at IS NULL
                DO UPDATE SET detail = EXCLUDED.detail, last_seen_at = now()
                """, logger: logger)
            try await connection.query("""
                UPDATE reconciliation_findings SET resolved_at = now()
                WHERE check_name = \(check) AND resolved_at IS NULL AND NOT (subject = ANY(\(subjects)::text[]))
                """, logger: logger)
            try await connection.query("""
                INSERT INTO reconciliation_runs (check_name, ran_at, mismatches, error) VALUES (\(check), now(), \(mismatches.count), NULL)
                ON CONFLICT (check_name) DO UPDATE SET ran_at = now(), mismatches = EXCLUDED.mismatches, error = NULL
                """, logger: logger)
        }
    }

    /// Records a run of `check` that could not finish; its findings stay as they were.
    func recordFailure(_ check: String, error: String, logger: Logger) async throws {
        try await database.client.query("""
            INSERT INTO reconciliation_runs (check_name, ran_at, mismatches, error) VALUES (\(check), now(), 0, \(error))
            ON CONFLICT (check_name) DO UPDATE SET ran_at = now(), error = EXCLUDED.error
            """, logger: logger)
    }

    /// Every check's last run.
    public func runs(logger: Logger) async throws -> [Run] {
        var runs: [Run] = []
        for try await (check, ranAt, mismatches, error) in try await database.client.query(
            "SELECT check_name, ran_at, mismatches, error FROM reconciliation_runs ORDER BY check_name", logger: logger
        ).decode((String, Date, Int, String?).self) {
            runs.append(Run(check: check, ranAt: ranAt, mismatches: mismatches, error: error))
        }
        return runs
    }

    /// Open findings, oldest first (at most `limit`).
    public func openFindings(limit: Int, logger: Logger) async throws -> [Finding] {
        var findings: [Finding] = []
        for try await (check, subject, detail, first, last) in try await database.client.query("""
            SELECT check_name, subject, detail, first_seen_at, last_seen_at FROM reconciliation_findings
            WHERE resolved_at IS NULL ORDER BY first_seen_at, check_name, subject LIMIT \(limit)
            """, logger: logger).decode((String, String, String, Date, Date).self) {
            findings.append(Finding(check: check, subject: subject, detail: detail, firstSeenAt: first, lastSeenAt: last))
        }
        return findings
    }
}
