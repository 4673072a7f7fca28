import EventContracts
import Foundation
import PostgresNIO
import ServiceKit
import ServiceKitTestKit
import Testing

/// The shop's typed words and ids as PostgreSQL stores them: ids bind and read as `uuid`,
/// statuses and methods as their text, and a stored value that is none of them fails the
/// read instead of passing as a string.
@Suite("Typed ids and words in PostgreSQL")
struct StoredVocabularyTests {
    @Test("an OrderID binds as uuid and reads back; a PaymentStatus binds and reads as its word; an unknown stored word fails the read")
    func roundTrips() async throws {
        try await TestSchema.with(prefix: "vocab") { schema in
            try await TestInfrastructure.withClient(schema.settings) { database async throws in
                let logger = TestInfrastructure.logger
                let order = OrderID.new()
                let rows = try await database.client.query(
                    "SELECT \(order), pg_typeof(\(order))::text, \(PaymentStatus.collectOnDelivery), \(PaymentMethod.bankTransfer)", logger: logger)
                for try await (id, type, status, method) in rows.decode((OrderID, String, PaymentStatus, PaymentMethod).self) {
                    #expect(id == order)
                    #expect(type == "uuid")
                    #expect(status == .collectOnDelivery)
                    #expect(method == .bankTransfer)
                }
                let text = try await database.client.query("SELECT \(PaymentStatus.collectOnDelivery)::text", logger: logger)
                for try await word in text.decode(String.self) { #expect(word == "collect_on_delivery") }
                await #expect(throws: (any Error).self) {
                    for try await _ in try await database.client.query("SELECT 'paid'::text", logger: logger).decode(PaymentStatus.self) {}
                }
            }
        }
    }
}
