@testable import Orders
import EventContracts
import Messaging
import ServiceKit
import Testing

/// A service's handlers react only to event types some producer publishes: the types in
/// `EventCatalogue` (each travels on the topic of the one service that publishes it, and
/// `contracts/events` holds its schema). A reaction to any other type string would wait for an
/// event that never comes. Its twin in every service's test target checks that service.
@Suite("Orders: its handlers react only to event types a producer publishes")
struct HandledEventTypesTests {
    @Test("every event type the orders handlers react to is in EventCatalogue, on a topic orders consumes or publishes")
    func handledTypesArePublished() async throws {
        let types = try await ServiceDefinition.orders.handledEventTypes()
        #expect(!types.isEmpty, "orders reacts to events")
        let unpublished = types.subtracting(EventCatalogue.allTypes)
        #expect(unpublished.isEmpty, "orders reacts to \(unpublished.sorted()), which no producer publishes (add each to EventCatalogue with the service that publishes it, or drop the reaction)")
    }

    /// An event type no service publishes.
    struct Unpublished: EventPayload {
        static let eventType = "shop.nobody.publishes.v1"
    }

    struct ReactsToUnpublished: EventHandler {
        var reactions: EventReactions { EventReactions().on(Unpublished.self) { _, _ in } }
    }

    @Test("the check sees a reaction to a type no producer publishes, as built from a service's definition")
    func unpublishedTypeCaught() async throws {
        let definition = ServiceDefinition(name: "orders", summary: "", defaultPort: 0, publishes: Topic.orders, consumes: [Topic.checkout],
                                           build: { _ in ServiceParts(handlers: [ReactsToUnpublished(), CheckoutPlacedNoted()]) })
        #expect(!EventCatalogue.allTypes.contains(Unpublished.eventType))
        do {
            _ = try await definition.handledEventTypes()
            Issue.record("a reaction to \(Unpublished.eventType) passed; the service would start")
        } catch {
            #expect(String(describing: error).contains(Unpublished.eventType), "the refusal names the type: \(error)")
        }
    }

    struct CheckoutPlacedNoted: EventHandler {
        var reactions: EventReactions { EventReactions().on(CheckoutPlaced.self) { _, _ in } }
    }
}
