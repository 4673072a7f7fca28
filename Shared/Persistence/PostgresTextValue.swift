import EventContracts
import NIOCore
import PostgresNIO

/// A word of the shop's vocabulary (``EventContracts/PaymentMethod`` and the like) stored as
/// its text in PostgreSQL: it binds and reads as the text it encodes to in JSON, and a value
/// that is not one of its words fails the read instead of passing as a string. (PostgresNIO's
/// own `RawRepresentable` and `Codable` defaults both apply to such a type and are ambiguous
/// together, the latter as JSON; this picks text.)
public protocol PostgresTextValue: RawRepresentable, PostgresEncodable, PostgresDecodable where RawValue == String {}

/// A stored word that is not one of its type's.
public struct UnknownStoredValue: Error, CustomStringConvertible {
    public let type: String
    public let value: String
    public var description: String { "'\(value)' is not a \(type)" }
}

extension PostgresTextValue {
    public static var psqlType: PostgresDataType { .text }
    public static var psqlFormat: PostgresFormat { .binary }

    public func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeString(rawValue)
    }

    public init<JSONDecoder: PostgresJSONDecoder>(from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat,
                                                  context: PostgresDecodingContext<JSONDecoder>) throws {
        let text = try String(from: &buffer, type: type, format: format, context: context)
        guard let value = Self(rawValue: text) else { throw UnknownStoredValue(type: "\(Self.self)", value: text) }
        self = value
    }
}

extension PaymentMethod: PostgresTextValue {}
extension PaymentStatus: PostgresTextValue {}
