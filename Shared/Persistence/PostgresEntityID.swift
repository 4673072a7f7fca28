import EventContracts
import Foundation
import NIOCore
import PostgresNIO

/// An ``EventContracts/EntityID`` stored as a PostgreSQL `uuid`: it binds (`\(orderId)` in a
/// query) and reads as its UUID, not as the JSON text PostgresNIO's `Codable` default would
/// make of it.
public protocol PostgresEntityID: EntityID, PostgresNonThrowingEncodable, PostgresDecodable {}

extension PostgresEntityID {
    public static var psqlType: PostgresDataType { .uuid }
    public static var psqlFormat: PostgresFormat { .binary }

    public func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        uuid.encode(into: &byteBuffer, context: context)
    }

    public init<JSONDecoder: PostgresJSONDecoder>(from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat,
                                                  context: PostgresDecodingContext<JSONDecoder>) throws {
        self.init(try UUID(from: &buffer, type: type, format: format, context: context))
    }
}

extension ProductID: PostgresEntityID {}
extension VariantID: PostgresEntityID {}
extension CategoryID: PostgresEntityID {}
extension CartID: PostgresEntityID {}
extension ReservationID: PostgresEntityID {}
extension CheckoutID: PostgresEntityID {}
extension OrderID: PostgresEntityID {}
extension PaymentID: PostgresEntityID {}
extension RefundID: PostgresEntityID {}
extension ShipmentID: PostgresEntityID {}
extension CustomerID: PostgresEntityID {}
