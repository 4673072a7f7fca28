import Foundation

/// One thing that goes wrong, or one deploy, while the shop sells.
public enum Fault: Sendable, CustomStringConvertible {
    /// The service's process is killed (`SIGKILL`: no draining) and started again after `downFor`.
    case crash(String, downFor: Duration = .seconds(3))
    /// The service is stopped, its consumer group's offsets are set back to the start of every
    /// topic, and it is started again: every event it had taken is delivered to it a second
    /// time (an operator's offset reset, or a consumer that lost its commits).
    case replay(String)
    /// For the rest of the load, the card provider delivers every success three times at once
    /// and an older decline after it (``Storefront/storm(_:)``).
    case webhookStorm
    /// PostgreSQL restarted with a fast shutdown (every session cut off) by `command` (the
    /// local cluster's `pg_ctl restart`; ``FaultHarness`` runs it with `/bin/bash -c`).
    case restartPostgres(command: String)
    /// The broker stopped and started again by `command` (the local broker keeps topics in
    /// memory, so it comes back empty). Then what docs/operations.md tells an operator to do:
    /// each consuming service restarted in a new consumer group (`KAFKA_CONSUMER_GROUP`), which
    /// reads the new topics from their start, and every service's outbox republished from a
    /// minute before the fault (`POST /admin/outbox/republish`).
    case restartBroker(command: String)
    /// Each service in turn is restarted as a deploy does it: `SIGTERM`, wait for the process
    /// to exit, start the new one, wait until it is ready, then the next. Every replica of a
    /// service is restarted, one at a time.
    case deploy([String])

    public var description: String {
        switch self {
        case .crash(let service, let downFor): "kill -9 \(service), back after \(downFor.components.seconds) s"
        case .replay(let service): "every event \(service) took delivered again"
        case .webhookStorm: "card webhooks three times at once, then an older decline"
        case .restartPostgres: "PostgreSQL restarted (fast shutdown)"
        case .restartBroker: "broker restarted empty; consumers in new groups, events republished"
        case .deploy(let services): "deploy (SIGTERM, new process): \(services.joined(separator: ", "))"
        }
    }

    /// Whether the storefront must see no failed request through it.
    var isPlanned: Bool { if case .deploy = self { true } else { false } }
}
