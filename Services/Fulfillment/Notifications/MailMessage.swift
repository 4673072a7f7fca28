import Foundation

/// One email as it travels: RFC 5322 headers (non-ASCII words encoded as RFC 2047 UTF-8
/// base64) and a `multipart/alternative` body with the plain text and the HTML, each base64
/// so that Vietnamese text and long lines pass any relay unchanged.
struct MailMessage: Sendable, Equatable {
    /// An address with an optional display name. Line breaks and angle brackets are not
    /// allowed in addresses, so a header cannot be smuggled in.
    struct Mailbox: Sendable, Equatable {
        var name: String?
        var address: String

        init?(name: String?, address: String) {
            let address = address.trimmingCharacters(in: .whitespaces)
            let forbidden = CharacterSet(charactersIn: "<>\r\n\t ,;\"\\").union(.controlCharacters)
            guard address.count <= 254, address.rangeOfCharacter(from: forbidden) == nil,
                  let at = address.lastIndex(of: "@"), at != address.startIndex, address.index(after: at) != address.endIndex
            else { return nil }
            self.name = name.map { $0.components(separatedBy: .newlines).joined(separator: " ") }.flatMap { $0.isEmpty ? nil : $0 }
            self.address = address
        }

        /// `Name <address>` or a bare address.
        init?(parsing text: String) {
            let text = text.trimmingCharacters(in: .whitespaces)
            if let open = text.lastIndex(of: "<"), text.hasSuffix(">") {
                let name = text[..<open].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                self.init(name: name.isEmpty ? nil : name, address: String(text[text.index(after: open)..<text.index(before: text.endIndex)]))
            } else {
                self.init(name: nil, address: text)
            }
        }

        var header: String {
            guard let name else { return "<\(address)>" }
            return "\(MailMessage.encodedWord(name, phrase: true)) <\(address)>"
        }
    }

    var from: Mailbox
    var to: Mailbox
    /// Where the customer's reply goes, when not to `from` (a store's support address).
    var replyTo: Mailbox?
    var subject: String
    var text: String
    var html: String
    /// Stable across retries of the same email, so a receiver can tell a repeat.
    var messageId: String
    var date: Date
    /// Extra `X-` headers (event and kind), names and values on one line each.
    var extraHeaders: [(String, String)] = []

    static func == (lhs: MailMessage, rhs: MailMessage) -> Bool {
        lhs.from == rhs.from && lhs.to == rhs.to && lhs.replyTo == rhs.replyTo && lhs.subject == rhs.subject && lhs.text == rhs.text && lhs.html == rhs.html
            && lhs.messageId == rhs.messageId && lhs.date == rhs.date
    }

    /// An RFC 2047 encoded word when `text` is not plain printable ASCII (for a display
    /// name, a `phrase`: also when it holds specials such as `:`, `@`, `<` or `"`).
    static func encodedWord(_ text: String, phrase: Bool = false) -> String {
        let flat = text.components(separatedBy: .newlines).joined(separator: " ")
        let specials = CharacterSet(charactersIn: "()<>[]:;@\\,\"")
        if flat.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F && !(phrase && specials.contains($0)) })
            && !flat.contains("=?") {
            return flat
        }
        return "=?UTF-8?B?\(Data(flat.utf8).base64EncodedString())?="
    }

    /// `Sat, 21 Nov 2026 09:15:00 +0000`.
    static func rfc5322(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }

    private static func base64Lines(_ text: String) -> String {
        Data(text.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
    }

    /// The whole message with CRLF line ends.
    func rendered() -> String {
        let boundary = "=_commerce_\(messageId.filter { $0.isLetter || $0.isNumber })"
        var lines = [
            "From: \(from.header)",
            "To: \(to.header)",
        ] + (replyTo.map { ["Reply-To: \($0.header)"] } ?? []) + [
            "Subject: \(Self.encodedWord(subject))",
            "Date: \(Self.rfc5322(date))",
            "Message-ID: <\(messageId)>",
            "MIME-Version: 1.0",
        ]
        for (name, value) in extraHeaders {
            lines.append("\(name.filter { $0.isLetter || $0.isNumber || $0 == "-" }): \(Self.encodedWord(value.filter { $0 != "\r" && $0 != "\n" }))")
        }
        lines += [
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
            "",
            "--\(boundary)",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            Self.base64Lines(text),
            "--\(boundary)",
            "Content-Type: text/html; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            Self.base64Lines(html),
            "--\(boundary)--",
        ]
        return lines.joined(separator: "\r\n")
    }

    /// What follows `DATA`: the message with leading dots doubled, then the lone dot.
    func dataSection() -> String {
        let stuffed = rendered().components(separatedBy: "\r\n").map { $0.hasPrefix(".") ? "." + $0 : $0 }
        return stuffed.joined(separator: "\r\n") + "\r\n.\r\n"
    }
}
