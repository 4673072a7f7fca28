import Foundation

/// One thing that goes wrong, or one deploy, while the shop sells.
public enum Fault: Sendable, CustomStringConvertible {
    /// The service's process is killed (`SIGKILL`: no draining) and started again after `downFor`.
    case crash(String, downFor: Duration = .seconds(3))
    /// Each service in turn is restarted as a deploy does it: `SIGTERM`, wait for the process
    /// to exit, start the new one, wait until it is ready, then the next. Every replica of a
    /// service is restarted, one at a time.
    case deploy([String])

    public var description: String {
        switch self {
        case .crash(let service, let downFor): "kill -9 \(service), back after \(downFor.components.seconds) s"
        case .deploy(let services): "deploy (SIGTERM, new process): \(services.joined(separator: ", "))"
        }
    }

    /// Whether the storefront must see no failed request through it.
    var isPlanned: Bool { if case .deploy = self { true } else { false } }
}
