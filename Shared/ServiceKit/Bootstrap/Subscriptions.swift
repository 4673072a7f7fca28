import EventContracts
import Messaging

/// The topics a service consumes, checked against what its handlers react to when it is
/// built: a consumed topic none of whose events it reacts to only costs the broker fetches and
/// the service a decode per message; a reaction to a type whose topic it neither consumes nor
/// publishes never runs. Either is a mistake in the service's definition, so the service does
/// not start. Probes are left out: every consumer applies them, on whatever topic they travel.
struct Subscriptions {
    let definition: ServiceDefinition
    let handlers: [any EventHandler]

    struct Mismatch: Error, CustomStringConvertible {
        let description: String
    }

    func check() throws {
        let reacted = Set(handlers.flatMap(\.reactions.eventTypes)).subtracting([ProbeSent.eventType])
        let topicOf = Dictionary(EventCatalogue.byTopic.flatMap { entry in entry.types.map { ($0.eventType, entry.topic) } },
                                 uniquingKeysWith: { first, _ in first })
        let unused = definition.consumes.filter { topic in !reacted.contains { topicOf[$0] == topic } }
        guard unused.isEmpty else {
            throw Mismatch(description: "\(definition.name) consumes \(unused.joined(separator: ", ")) but reacts to none of its events")
        }
        let unheard = reacted.filter { type in
            guard let topic = topicOf[type] else { return true }
            return topic != definition.publishes && !definition.consumes.contains(topic)
        }
        guard unheard.isEmpty else {
            throw Mismatch(description: "\(definition.name) reacts to \(unheard.sorted().joined(separator: ", ")) but consumes no topic that carries them")
        }
    }
}
