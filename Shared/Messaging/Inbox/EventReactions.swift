import EventContracts

/// A handler's reactions, one per payload type, declared by the type itself so that the
/// types a handler reacts to and what it does with each cannot drift apart.
public struct EventReactions: Sendable {
    typealias Reaction = @Sendable (any EventPayload, EventContext) async throws -> Void

    /// Whether a decoded payload is one the reaction acts on.
    typealias Condition = @Sendable (any EventPayload) -> Bool

    /// One payload type's decoder, which of its payloads matter, and what to do with them.
    struct Entry: Sendable {
        let decode: @Sendable (EventEnvelope) throws -> any EventPayload
        let wants: Condition
        let react: Reaction
    }

    private(set) var entries: [String: Entry] = [:]

    public init() {}

    /// Adds the reaction to events whose payload is `Payload` and, when a condition is given,
    /// meets it. An event no reaction of the service wants is skipped like one of a type it
    /// does not handle: no transaction, no inbox row. Give a condition where the payload alone
    /// says there is nothing to do (an order status other than the one the service acts on),
    /// never one that needs the database.
    public func on<Payload: EventPayload>(
        _: Payload.Type, when condition: @escaping @Sendable (Payload) -> Bool = { _ in true },
        _ reaction: @escaping @Sendable (Payload, EventContext) async throws -> Void
    ) -> EventReactions {
        precondition(entries[Payload.eventType] == nil, "two reactions to \(Payload.eventType) in one handler")
        var reactions = self
        reactions.entries[Payload.eventType] = Entry(
            decode: { try $0.decodeData(Payload.self) },
            wants: { payload in (payload as? Payload).map(condition) ?? false },
            react: { payload, context in
                guard let payload = payload as? Payload else {
                    throw EventContractError.unexpectedType(expected: Payload.eventType, actual: "\(type(of: payload))")
                }
                try await reaction(payload, context)
            })
        return reactions
    }

    /// The CloudEvents types these reactions cover.
    public var eventTypes: Set<String> { Set(entries.keys) }
}
