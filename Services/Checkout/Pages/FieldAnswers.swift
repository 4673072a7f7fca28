import EventContracts
import Foundation
import ServiceKit

/// A buyer's answer to a custom field as a request carries it: text, a number or a boolean.
enum AnswerValue: Decodable, Sendable, Equatable {
    case text(String)
    case number(Decimal)
    case flag(Bool)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) {
            self = .flag(flag)
        } else if let text = try? container.decode(String.self) {
            self = .text(text)
        } else {
            self = .number(try container.decode(Decimal.self))
        }
    }
}

extension CustomField {
    /// The page's questions answered: each answer checked against its field's type, in the
    /// page's order, or 422 naming every wrong or missing one (`answers.company`) and any
    /// answer to a question the page does not ask.
    static func answers(_ given: [String: AnswerValue], to fields: [CustomField]) throws -> [FieldAnswer] {
        var errors: [Problem.FieldError] = []
        for key in given.keys.sorted() where !fields.contains(where: { $0.key == key }) {
            errors.append(.init(field: "answers.\(key)", message: "is not a question of this page"))
        }
        var answers: [FieldAnswer] = []
        for field in fields {
            let name = "answers.\(field.key)"
            guard let value = given[field.key], !value.isBlank else {
                if field.required { errors.append(.init(field: name, message: "is required")) }
                continue
            }
            switch field.answer(value) {
            case .success(let text): answers.append(FieldAnswer(key: field.key, label: field.label, type: field.type.rawValue, value: text))
            case .failure(let refusal): errors.append(.init(field: name, message: refusal.message))
            }
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return answers
    }

    /// Why an answer does not fit its field.
    struct Refusal: Error { var message: String }

    /// The answer as it is kept, or why it does not fit.
    func answer(_ value: AnswerValue) -> Result<String, Refusal> {
        switch (type, value) {
        case (.text, .text(let text)):
            let tidy = text.trimmingCharacters(in: .whitespacesAndNewlines)
            return tidy.count <= 500 ? .success(tidy) : .failure(Refusal(message: "must be at most 500 characters"))
        case (.number, .number(let number)):
            return .success("\(number)")
        case (.number, .text(let text)):
            let tidy = text.trimmingCharacters(in: .whitespaces)
            guard tidy.count <= 32, let number = Decimal(string: tidy, locale: Locale(identifier: "en_US_POSIX")),
                  tidy.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }) else { return .failure(Refusal(message: "must be a number")) }
            return .success("\(number)")
        case (.email, .text(let text)):
            let tidy = text.trimmingCharacters(in: .whitespaces)
            return ContactRules.isEmail(tidy) ? .success(tidy) : .failure(Refusal(message: "must be an email address"))
        case (.phone, .text(let text)):
            if let phone = ContactRules.internationalPhone(text) { return .success(phone) }
            return .failure(Refusal(message: "must be a phone number of 7 to 15 digits, optionally starting with +"))
        case (.select, .text(let text)):
            let tidy = text.trimmingCharacters(in: .whitespaces)
            let choices = self.choices ?? []
            return choices.contains(tidy) ? .success(tidy) : .failure(Refusal(message: "must be one of: \(choices.joined(separator: ", "))"))
        case (.checkbox, .flag(let flag)):
            // A required checkbox is a consent: it must be ticked.
            return !flag && required ? .failure(Refusal(message: "must be ticked")) : .success(flag ? "true" : "false")
        case (.date, .text(let text)):
            return Self.isDate(text) ? .success(text) : .failure(Refusal(message: "must be a date as YYYY-MM-DD"))
        case (.checkbox, _):
            return .failure(Refusal(message: "must be true or false"))
        case (.number, _):
            return .failure(Refusal(message: "must be a number"))
        default:
            return .failure(Refusal(message: "must be text"))
        }
    }

    /// A calendar date written `YYYY-MM-DD`.
    static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month), day >= 1
        else { return false }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let first = calendar.date(from: DateComponents(year: year, month: month, day: 1)),
              let days = calendar.range(of: .day, in: .month, for: first) else { return false }
        return days.contains(day)
    }
}

extension AnswerValue {
    /// An answer that says nothing: empty text. (`false` is an answer: the box was left unticked.)
    var isBlank: Bool {
        if case .text(let text) = self { return text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        return false
    }
}
