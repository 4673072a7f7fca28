import Messaging

/// The operator routes every service has besides its own: dead letters, the audit of operator
/// actions, reconciliation and republishing the outbox. They see the deployment's machinery,
/// every store's messages at once, so they are for platform operators only.
enum OperationsContract {
    /// The controllers every service mounts for its operators.
    static func controllers(_ environment: ServiceEnvironment, consumer: EventConsumer, reconciler: Reconciler) -> [any Controller] {
        [DeadLetterController(consumer: consumer, log: OperatorLog(database: environment.database)),
         OutboxController(environment: environment), ReconciliationController(reconciler: reconciler)]
    }

    static let contract = APIContract(
        [
            .init(DeadLetterController.self, [
                APIOperation(.get, "/admin/dead-letters", id: "deadLetters", summary: "Messages this service could not apply, newest first.",
                             tag: "operations", query: PageRequest.parameters + [
                                .init("status", Schema.string(oneOf: ["open", "replayed", "discarded"]), "Only letters in this state."),
                             ],
                             answers: [.init(200, "A page of dead letters.", schema: Page<DeadLetterController.View>.schema(of: Schema.ref("DeadLetter")))]),
                APIOperation(.get, "/admin/dead-letters/{id}", id: "deadLetter", summary: "One dead letter with its headers and payload.",
                             tag: "operations", answers: [.init(200, "The dead letter.", schema: Schema.ref("DeadLetter"))]),
                APIOperation(.post, "/admin/dead-letters/{id}/replay", id: "replayDeadLetter",
                             summary: "Apply the message again through the inbox (at most once) and mark it replayed.", tag: "operations",
                             answers: [.init(200, "Applied, or already applied before.", schema: Schema.ref("DeadLetterReplayed")),
                                       .init(409, "It failed again (it stays open, with the new error), or it is not open.",
                                             schema: Schema.ref("Problem"))]),
                APIOperation(.post, "/admin/dead-letters/replay", id: "replayDeadLetters",
                             summary: "Replay every open dead letter, oldest first.", tag: "operations",
                             answers: [.init(200, "What each replay did.", schema: Schema.ref("DeadLettersReplayed"))]),
                APIOperation(.post, "/admin/dead-letters/{id}/discard", id: "discardDeadLetter",
                             summary: "Give up an open dead letter, saying why.", tag: "operations",
                             body: Schema.object(["reason": Schema.string(maxLength: 500)], required: ["reason"]),
                             answers: [.init(200, "Discarded.", schema: Schema.ref("DeadLetter")),
                                       .init(409, "It is not open.", schema: Schema.ref("Problem"))]),
                APIOperation(.get, "/admin/operator-actions", id: "operatorActions",
                             summary: "The audit of operator actions on this service (replays, discards, republishing), newest first.",
                             tag: "operations", query: PageRequest.parameters,
                             answers: [.init(200, "A page of actions.", schema: Page<DeadLetterController.Action>.schema(of: Schema.ref("OperatorAction")))]),
            ]),
            .init(ReconciliationController.self, [
                APIOperation(.get, "/admin/reconciliation", id: "reconciliation",
                             summary: "Each reconciliation check's last run and every open mismatch.", tag: "operations",
                             answers: [.init(200, "The report.", schema: Schema.ref("ReconciliationReport"))]),
                APIOperation(.post, "/admin/reconciliation/run", id: "runReconciliation",
                             summary: "Run every reconciliation check now.", tag: "operations",
                             answers: [.init(200, "The report after the run.", schema: Schema.ref("ReconciliationReport"))]),
            ]),
            .init(OutboxController.self, [
                APIOperation(.post, "/admin/outbox/republish", id: "republishEvents",
                             summary: "Publish this service's events again from a time (after the broker lost messages).", tag: "operations",
                             body: Schema.object(["since": Schema.timestamp, "until": Schema.timestamp], required: ["since"]),
                             answers: [.init(202, "Queued for the relay.", schema: Schema.ref("EventsRepublished"))]),
            ]),
        ],
        schemas: [
            ("DeadLetter", Schema.object([
                "id": Schema.integer(minimum: 1), "status": Schema.string(oneOf: ["open", "replayed", "discarded"]),
                "consumer_group": Schema.string(), "topic": Schema.string(), "partition": Schema.integer(minimum: 0),
                "offset": Schema.integer(minimum: 0), "key": Schema.string(), "event_id": Schema.string(), "event_type": Schema.string(),
                "error": Schema.string(), "attempts": Schema.integer(minimum: 0), "replay_attempts": Schema.integer(minimum: 0),
                "dead_lettered_at": Schema.timestamp, "resolved_at": Schema.timestamp, "resolved_by": Schema.string(),
                "note": Schema.string(), "headers": Schema.object([:]), "payload": Schema.string(),
                "payload_encoding": Schema.string(oneOf: ["utf-8", "base64"]),
            ], required: ["id", "status", "consumer_group", "topic", "partition", "offset", "error", "attempts", "replay_attempts",
                          "dead_lettered_at"])),
            ("DeadLetterReplayed", Schema.object([
                "id": Schema.integer(minimum: 1), "outcome": Schema.string(oneOf: ["applied", "already_applied"]),
            ], required: ["id", "outcome"])),
            ("DeadLettersReplayed", Schema.object([
                "applied": Schema.integer(minimum: 0), "already_applied": Schema.integer(minimum: 0),
                "failed": Schema.array(of: Schema.object(["id": Schema.integer(minimum: 1), "error": Schema.string()], required: ["id", "error"])),
            ], required: ["applied", "already_applied", "failed"])),
            ("OperatorAction", Schema.object([
                "id": Schema.integer(minimum: 1), "at": Schema.timestamp, "actor": Schema.string(), "action": Schema.string(),
                "subject": Schema.string(), "detail": Schema.string(description: "JSON text."),
            ], required: ["id", "at", "actor", "action", "subject", "detail"])),
            ("ReconciliationReport", Schema.object([
                "checks": Schema.array(of: Schema.object([
                    "name": Schema.string(), "summary": Schema.string(), "last_run_at": Schema.timestamp,
                    "mismatches": Schema.integer(minimum: 0), "error": Schema.string(),
                ], required: ["name", "summary"])),
                "findings": Schema.array(of: Schema.object([
                    "check": Schema.string(), "subject": Schema.string(), "detail": Schema.string(),
                    "first_seen_at": Schema.timestamp, "last_seen_at": Schema.timestamp,
                ], required: ["check", "subject", "detail", "first_seen_at", "last_seen_at"])),
            ], required: ["checks", "findings"])),
            ("EventsRepublished", Schema.object([
                "republished": Schema.integer(minimum: 0), "since": Schema.timestamp, "until": Schema.timestamp,
                "kept_since": Schema.timestamp,
            ], required: ["republished", "since"])),
        ])
}
