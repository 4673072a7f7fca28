@testable import Checkout
import EventContracts
import ServiceKit
import Testing

/// A service's handlers react only to event types some producer publishes: the types in
/// `EventCatalogue` (each travels on the topic of the one service that publishes it, and
/// `contracts/events` holds its schema). A reaction to any other type string would wait for an
/// event that never comes. Its twin in every service's test target checks that service.
@Suite("Checkout: its handlers react only to event types a producer publishes")
struct HandledEventTypesTests {
    @Test("every event type the checkout handlers react to is in EventCatalogue, on a topic checkout consumes or publishes")
    func handledTypesArePublished() async throws {
        let types = try await ServiceDefinition.checkout.handledEventTypes()
        #expect(!types.isEmpty, "checkout reacts to events")
        let unpublished = types.subtracting(EventCatalogue.allTypes)
        #expect(unpublished.isEmpty, "checkout reacts to \(unpublished.sorted()), which no producer publishes (add each to EventCatalogue with the service that publishes it, or drop the reaction)")
    }
}
