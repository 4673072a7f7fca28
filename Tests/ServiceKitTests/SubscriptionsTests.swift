import EventContracts
import Messaging
@testable import ServiceKit
import Testing

@Suite("A service consumes exactly the topics whose events it reacts to")
struct SubscriptionsTests {
    struct Reacting: EventHandler {
        let reactions: EventReactions
    }

    private func definition(consumes: [String]) -> ServiceDefinition {
        ServiceDefinition(name: "probe-service", summary: "", defaultPort: 0, publishes: Topic.fulfillment, consumes: consumes)
    }

    @Test("reactions to consumed topics and to the service's own topic pass")
    func matchingSubscriptions() throws {
        let handler = Reacting(reactions: EventReactions()
            .on(OrderPlaced.self) { _, _ in }
            .on(ShipmentCreated.self) { _, _ in })
        try Subscriptions(definition: definition(consumes: [Topic.orders]), handlers: [handler]).check()
        try Subscriptions(definition: definition(consumes: []), handlers: []).check()
    }

    @Test("a consumed topic none of whose events the service reacts to stops the start, naming the topic")
    func unusedTopic() {
        let handler = Reacting(reactions: EventReactions().on(OrderPlaced.self) { _, _ in })
        let mismatch = #expect(throws: Subscriptions.Mismatch.self) {
            try Subscriptions(definition: definition(consumes: [Topic.orders, Topic.catalog]), handlers: [handler]).check()
        }
        #expect(mismatch?.description == "probe-service consumes catalog.events but reacts to none of its events")
    }

    @Test("a reaction to a type on a topic the service does not consume stops the start, naming the type")
    func unheardReaction() {
        let handler = Reacting(reactions: EventReactions()
            .on(OrderPlaced.self) { _, _ in }
            .on(PaymentSucceeded.self) { _, _ in })
        let mismatch = #expect(throws: Subscriptions.Mismatch.self) {
            try Subscriptions(definition: definition(consumes: [Topic.orders]), handlers: [handler]).check()
        }
        #expect(mismatch?.description == "probe-service reacts to \(PaymentSucceeded.eventType) but consumes no topic that carries them")
    }
}
