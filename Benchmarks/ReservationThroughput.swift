import EventContracts
import Foundation
import Kafka
import ServiceKitTestKit

extension Benchmark {
    /// ReservationStore per second through the running catalog: `count` single-line checkout
    /// submissions published at once on `<prefix>checkout.events`, timed until the catalog has
    /// answered every one (reserved or rejected) on `<prefix>catalog.events`. `variants` are
    /// the variants the checkouts spread over (one: a hot variant).
    static func reservationThroughput(prefix: String, variants: [String], count: Int, label: String) async throws {
        let producer = try KafkaProducer(configuration: TestInfrastructure.kafka, logger: logger)
        let consumer = try KafkaConsumer(configuration: TestInfrastructure.kafka, groupID: TestInfrastructure.uniqueName("bench-res"),
                                         topics: [prefix + Topic.catalog], logger: logger)
        let checkouts = (0..<count).map { _ in UUID().uuidString.lowercased() }
        let wanted = Set(checkouts)
        let messages = try checkouts.enumerated().map { index, checkout in
            let envelope = try EventEnvelope(
                CheckoutSubmitted(checkoutId: CheckoutID(checkout)!, lines: [CheckoutLine(variantId: VariantID(variants[index % variants.count])!, quantity: 1)]),
                subject: checkout, source: "/services/checkout", correlationId: nil)
            return OutgoingMessage(topic: prefix + Topic.checkout, key: Array(checkout.utf8), value: Array(try envelope.encoded()))
        }
        let clock = ContinuousClock()
        let start = clock.now
        _ = await producer.sendBatch(messages)
        var answered = 0
        var reserved = 0
        for try await message in consumer.messages {
            guard let envelope = try? EventEnvelope.decode(Data(message.value)), wanted.contains(envelope.subject) else { continue }
            if envelope.type == InventoryReserved.eventType { reserved += 1; answered += 1 }
            if envelope.type == InventoryRejected.eventType { answered += 1 }
            if answered == count { break }
        }
        let seconds = (clock.now - start).seconds
        await consumer.close()
        await producer.shutdown()
        print(String(format: "catalog.reservations (%@): %d checkouts answered in %.2f s = %.0f /s (%d reserved)",
                     label, count, seconds, Double(count) / seconds, reserved))
    }
}
