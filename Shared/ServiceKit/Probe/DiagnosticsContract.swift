/// The documented routes every service has besides its own: pipeline probes (platform
/// operators: a probe is the deployment's, not a store's) and `whoami` (the identity and the
/// store the service sees for the request).
enum DiagnosticsContract {
    /// The controllers every service mounts besides its own.
    static func controllers(_ environment: ServiceEnvironment) -> [any Controller] {
        [ProbeController(probes: ProbeStore(environment: environment)), WhoAmIController()]
    }

    static let contract = APIContract(
        [
            .init(ProbeController.self, [
                APIOperation(.post, "/probes", id: "sendProbe", summary: "Publish a probe event through this service's outbox.",
                             tag: "diagnostics", body: Schema.object(["note": Schema.string(maxLength: 200)]),
                             answers: [.init(202, "Recorded and queued for publishing.", schema: Schema.ref("ProbeAccepted"))]),
                APIOperation(.get, "/probes/{id}", id: "probeReceipt", summary: "Whether this service received a probe.",
                             tag: "diagnostics", answers: [.init(200, "Received.", schema: Schema.ref("ProbeReceipt"))]),
            ]),
            .init(WhoAmIController.self, [
                APIOperation(.get, "/whoami", id: "whoami", summary: "The identity this service sees for the request.",
                             tag: "diagnostics", answers: [.init(200, "The caller.", schema: Schema.ref("CallerIdentity"))]),
            ]),
        ],
        schemas: [
            ("ProbeAccepted", Schema.object([
                "probe_id": Schema.uuid, "event_id": Schema.string(), "topic": Schema.string(),
            ], required: ["probe_id", "event_id", "topic"])),
            ("ProbeReceipt", Schema.object([
                "probe_id": Schema.uuid, "sent_by": Schema.string(), "note": Schema.string(), "received_by": Schema.string(),
                "correlation_id": Schema.string(), "received_at": Schema.timestamp,
            ], required: ["probe_id", "sent_by", "note", "received_by", "received_at"])),
            ("CallerIdentity", Schema.object([
                "role": Schema.string(oneOf: ["guest", "customer", "staff", "admin"]),
                "customer_id": Schema.uuid, "staff_id": Schema.uuid, "platform_admin": Schema.boolean, "store_id": Schema.uuid,
            ], required: ["role"])),
        ])
}
