@testable import Fulfillment
import EventContracts
import ServiceKit
import Testing

/// A service's handlers react only to event types some producer publishes: the types in
/// `EventCatalogue` (each travels on the topic of the one service that publishes it, and
/// `contracts/events` holds its schema). A reaction to any other type string would wait for an
/// event that never comes. Its twin in every service's test target checks that service.
@Suite("Fulfillment: its handlers react only to event types a producer publishes")
struct HandledEventTypesTests {
    @Test("every event type the fulfillment handlers react to is in EventCatalogue, on a topic fulfillment consumes or publishes")
    func handledTypesArePublished() async throws {
        // With a POS configured, so that the POS sync handler is built too.
        let types = try await ServiceDefinition.fulfillment.handledEventTypes(settings: ["POS_BASE_URL": "http://127.0.0.1:9", "POS_API_KEY": "unused", "POS_SHOP_ID": "1", "POS_WEBHOOK_SECRET": "unused"])
        #expect(!types.isEmpty, "fulfillment reacts to events")
        let unpublished = types.subtracting(EventCatalogue.allTypes)
        #expect(unpublished.isEmpty, "fulfillment reacts to \(unpublished.sorted()), which no producer publishes (add each to EventCatalogue with the service that publishes it, or drop the reaction)")
    }
}
