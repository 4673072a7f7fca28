import Logging
import Synchronization

/// Bootstraps swift-log once per process (the logging system can only be set once).
public enum LoggingBootstrap {
    private static let done = Mutex(false)

    public static func bootstrap(level: Logger.Level, format: LogFormat) {
        let first = done.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, level: level, format: format) }
    }
}
