import Foundation

/// A pipeline probe: an operator (or the end-to-end tests) asks one service to publish a
/// probe through its outbox; every service that consumes that topic records that it saw it.
/// It proves the whole path HTTP → transaction → outbox → Kafka → consumer → inbox → effect.
public struct ProbeSent: EventPayload, Equatable {
    public static let eventType = "shop.probe.sent.v1"

    public var probeId: String
    public var note: String
    public var sentBy: String

    public init(probeId: String, note: String, sentBy: String) {
        self.probeId = probeId
        self.note = note
        self.sentBy = sentBy
    }
}
