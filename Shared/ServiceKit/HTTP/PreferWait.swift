import HTTPTypes
import Hummingbird

/// RFC 7240 `Prefer: wait=N`: the client would rather wait up to N seconds for a final
/// answer than poll. Capped at ``maximum``; other preferences are ignored.
public enum PreferWait {
    public static let header = HTTPField.Name("Prefer")!
    public static let appliedHeader = HTTPField.Name("Preference-Applied")!
    public static let maximum = 10

    /// The requested wait in seconds (0 when none is asked for).
    public static func seconds(in headers: HTTPFields) -> Int {
        for value in headers[values: header] {
            for preference in value.split(separator: ",") {
                let parts = preference.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, parts[0].lowercased() == "wait", let seconds = Int(parts[1]), seconds >= 0 else { continue }
                return min(seconds, maximum)
            }
        }
        return 0
    }
}
