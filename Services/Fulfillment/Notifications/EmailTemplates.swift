import Foundation
import Mustache
import Persistence
import ServiceKit

/// The email templates of every language: the built-in ones, each replaceable by a file
/// `<EMAIL_TEMPLATES_DIR>/<language>/<kind>.<subject|text|html>.mustache` (or
/// `layout.html.mustache`). All are parsed at start-up, so a broken template stops the
/// service instead of an email.
struct EmailTemplates: Sendable {
    /// What one email says.
    struct Rendered: Sendable, Equatable {
        var subject: String
        var text: String
        var html: String
    }

    private let library: MustacheLibrary

    static func builtIn(_ language: EmailLanguage) -> [String: String] {
        switch language {
        case .english: english
        case .vietnamese: vietnamese
        }
    }

    static var names: [String] {
        ["layout.html"] + EmailKind.allCases.flatMap { kind in ["subject", "text", "html"].map { "\(kind.rawValue).\($0)" } }
    }

    /// Built-in templates, with the files under `directory` (when given) in their place.
    init(overrides directory: String? = nil) throws {
        var library = MustacheLibrary()
        for language in EmailLanguage.allCases {
            let builtIn = Self.builtIn(language)
            for name in Self.names {
                var source = builtIn[name] ?? ""
                if let directory, !directory.isEmpty {
                    let path = "\(directory)/\(language.rawValue)/\(name).mustache"
                    if FileManager.default.fileExists(atPath: path) {
                        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                            throw ConfigurationError(variable: "EMAIL_TEMPLATES_DIR", reason: "\(path) is not readable UTF-8 text")
                        }
                        source = text
                    }
                }
                do {
                    try library.register(source, named: "\(language.rawValue)/\(name)")
                } catch {
                    throw ConfigurationError(variable: "EMAIL_TEMPLATES_DIR", reason: "template \(language.rawValue)/\(name) does not parse: \(error)")
                }
            }
        }
        self.library = library
    }

    /// The subject, plain text and HTML of `kind` in `language` for `values`.
    func render(_ kind: EmailKind, in language: EmailLanguage, values: [String: Any]) -> Rendered {
        let prefix = "\(language.rawValue)/\(kind.rawValue)"
        let subject = (library.render(values, withTemplate: "\(prefix).subject") ?? "")
            .components(separatedBy: .newlines).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        let text = library.render(values, withTemplate: "\(prefix).text") ?? ""
        var framed = values
        framed["subject"] = subject
        framed["body"] = library.render(values, withTemplate: "\(prefix).html") ?? ""
        let html = library.render(framed, withTemplate: "\(language.rawValue)/layout.html") ?? ""
        return Rendered(subject: subject, text: text, html: html)
    }
}
