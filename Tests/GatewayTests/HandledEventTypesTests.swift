@testable import Gateway
import EventContracts
import ServiceKit
import Testing

/// A service's handlers react only to event types some producer publishes: the types in
/// `EventCatalogue` (each travels on the topic of the one service that publishes it, and
/// `contracts/events` holds its schema). A reaction to any other type string would wait for an
/// event that never comes. Its twin in every service's test target checks that service.
@Suite("Gateway: its handlers react only to event types a producer publishes")
struct HandledEventTypesTests {
    @Test("every event type the gateway handlers react to is in EventCatalogue, on a topic gateway consumes or publishes")
    func handledTypesArePublished() async throws {
        // The forwarder's HTTP client must be shut down before it is dropped.
        let types = try await ServiceDefinition.gateway.handledEventTypes { parts in
            for case let forwarder as Forwarder in parts.services { try await forwarder.client.shutdown() }
        }
        let unpublished = types.subtracting(EventCatalogue.allTypes)
        #expect(unpublished.isEmpty, "gateway reacts to \(unpublished.sorted()), which no producer publishes (add each to EventCatalogue with the service that publishes it, or drop the reaction)")
    }
}
