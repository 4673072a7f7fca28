import Foundation
import Money

/// How amounts and times read in the shop's language: `530.000 ₫` and `22/11/2026 14:05`
/// in Vietnamese, `530,000 VND` and `22 Nov 2026, 14:05` in English, in the shop's time zone.
struct EmailLocale: Sendable {
    let language: EmailLanguage
    let timeZone: TimeZone

    func money(_ money: Money) -> String {
        let digits = money.currency.minorUnitDigits
        let magnitude = money.minorUnits.magnitude
        var divisor: UInt64 = 1
        for _ in 0..<digits { divisor *= 10 }
        let whole = String(magnitude / divisor)
        let (group, decimal) = language == .vietnamese ? (".", ",") : (",", ".")
        var grouped = ""
        for (index, character) in whole.reversed().enumerated() {
            if index > 0 && index % 3 == 0 { grouped.append(group) }
            grouped.append(character)
        }
        var text = String(grouped.reversed())
        if digits > 0 {
            let fraction = String(magnitude % divisor)
            text += decimal + String(repeating: "0", count: digits - fraction.count) + fraction
        }
        let sign = money.minorUnits < 0 ? "-" : ""
        if language == .vietnamese && money.currency.code == "VND" { return "\(sign)\(text) ₫" }
        return "\(sign)\(text) \(money.currency.code)"
    }

    func date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = timeZone
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = language == .vietnamese ? "HH:mm dd/MM/yyyy" : "d MMM yyyy, HH:mm"
        return formatter.string(from: date) + (language == .vietnamese ? "" : " (\(timeZone.abbreviation(for: date) ?? timeZone.identifier))")
    }
}
