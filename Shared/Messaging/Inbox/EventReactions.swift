import EventContracts

/// A handler's reactions, one per payload type, declared by the type itself so that the
/// types a handler reacts to and what it does with each cannot drift apart.
public struct EventReactions: Sendable {
    typealias Reaction = @Sendable (any EventPayload, EventContext) async throws -> Void

    /// One payload type's decoder and what to do with the decoded payload.
    struct Entry: Sendable {
        let decode: @Sendable (EventEnvelope) throws -> any EventPayload
        let react: Reaction
    }

    private(set) var entries: [String: Entry] = [:]

    public init() {}

    /// Adds the reaction to events whose payload is `Payload`.
    public func on<Payload: EventPayload>(
        _: Payload.Type, _ reaction: @escaping @Sendable (Payload, EventContext) async throws -> Void
    ) -> EventReactions {
        precondition(entries[Payload.eventType] == nil, "two reactions to \(Payload.eventType) in one handler")
        var reactions = self
        reactions.entries[Payload.eventType] = Entry(
            decode: { try $0.decodeData(Payload.self) },
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
