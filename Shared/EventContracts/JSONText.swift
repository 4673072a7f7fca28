import Foundation

/// Just enough JSON to read and write an event envelope without building `Any` trees: the
/// envelope's attributes are strings, and its `data` travels as the bytes the producer's
/// encoder wrote, spliced in and cut out unchanged. The payload itself is decoded once, by
/// `JSONDecoder`, when a handler asks for it.
enum JSONText {
    /// `value` as a JSON string literal (slashes and non-ASCII left as they are).
    static func quoted(_ value: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    struct Malformed: Error {}

    /// A JSON object's members, each key with the bytes of its value; values are checked
    /// only as far as needed to find where they end.
    static func members(of bytes: [UInt8]) throws -> [(key: String, value: ArraySlice<UInt8>)] {
        var scanner = Scanner(bytes: bytes)
        scanner.skipWhitespace()
        try scanner.expect(UInt8(ascii: "{"))
        var members: [(key: String, value: ArraySlice<UInt8>)] = []
        scanner.skipWhitespace()
        if scanner.peek == UInt8(ascii: "}") {
            scanner.index += 1
        } else {
            while true {
                scanner.skipWhitespace()
                let key = try scanner.string()
                scanner.skipWhitespace()
                try scanner.expect(UInt8(ascii: ":"))
                scanner.skipWhitespace()
                let start = scanner.index
                try scanner.skipValue()
                members.append((key, bytes[start..<scanner.index]))
                scanner.skipWhitespace()
                if scanner.peek == UInt8(ascii: ",") { scanner.index += 1; continue }
                try scanner.expect(UInt8(ascii: "}"))
                break
            }
        }
        scanner.skipWhitespace()
        guard scanner.index == bytes.count else { throw Malformed() }
        return members
    }

    /// The string a JSON string literal stands for, or nil when `literal` is not one.
    static func string(_ literal: ArraySlice<UInt8>) -> String? {
        var scanner = Scanner(bytes: Array(literal))
        guard let value = try? scanner.string(), scanner.index == scanner.bytes.count else { return nil }
        return value
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
        }

        mutating func expect(_ byte: UInt8) throws {
            guard peek == byte else { throw Malformed() }
            index += 1
        }

        mutating func string() throws -> String {
            try expect(UInt8(ascii: "\""))
            let start = index
            // The common case, no escapes: the bytes are the string.
            while let byte = peek, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
                guard byte >= 0x20 else { throw Malformed() }
                index += 1
            }
            if peek == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: bytes[start..<index - 1], as: UTF8.self)
            }
            var scalars = Array(bytes[start..<index])
            while true {
                guard let byte = peek else { throw Malformed() }
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: scalars, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let escaped = peek else { throw Malformed() }
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escaped)
                    case UInt8(ascii: "b"): scalars.append(0x08)
                    case UInt8(ascii: "f"): scalars.append(0x0C)
                    case UInt8(ascii: "n"): scalars.append(0x0A)
                    case UInt8(ascii: "r"): scalars.append(0x0D)
                    case UInt8(ascii: "t"): scalars.append(0x09)
                    case UInt8(ascii: "u"):
                        var code = try hex4()
                        if (0xD800..<0xDC00).contains(code) {
                            try expect(UInt8(ascii: "\\"))
                            try expect(UInt8(ascii: "u"))
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw Malformed() }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(code) else { throw Malformed() }
                        scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default: throw Malformed()
                    }
                default:
                    guard byte >= 0x20 else { throw Malformed() }
                    scalars.append(byte)
                }
            }
        }

        private mutating func hex4() throws -> UInt32 {
            guard index + 4 <= bytes.count else { throw Malformed() }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                index += 1
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw Malformed()
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }

        /// Moves past one value: a string, an object or array (nesting counted, strings
        /// inside skipped), or a literal or number.
        mutating func skipValue() throws {
            guard let first = peek else { throw Malformed() }
            switch first {
            case UInt8(ascii: "\""):
                _ = try string()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                repeat {
                    guard let byte = peek else { throw Malformed() }
                    switch byte {
                    case UInt8(ascii: "\""): _ = try string(); continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
                    default: break
                    }
                    index += 1
                } while depth > 0
            default:
                let start = index
                while let byte = peek, byte != UInt8(ascii: ","), byte != UInt8(ascii: "}"), byte != UInt8(ascii: "]"),
                      byte != 0x20, byte != 0x0A, byte != 0x0D, byte != 0x09 {
                    index += 1
                }
                guard index > start else { throw Malformed() }
            }
        }
    }
}
