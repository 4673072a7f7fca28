import Foundation
import Hummingbird
import Messaging

/// The service's dead letters for staff (`/admin/dead-letters`): list and inspect them (the
/// message's headers, the error, the payload), replay one or every open one through the inbox
/// like any delivery, or discard one with a reason. Replays and discards are audited
/// (``OperatorLog``, `GET /admin/operator-actions`).
struct DeadLetterController: Controller {
    static let access = Access.platform
    let consumer: EventConsumer
    let log: OperatorLog
    var letters: DeadLetterStore { consumer.deadLetters }

    /// A dead letter as staff see it.
    struct View: ResponseEncodable {
        var id: Int64
        var status: String
        var consumerGroup: String
        var topic: String
        var partition: Int32
        var offset: Int64
        var key: String?
        var eventId: String?
        var eventType: String?
        var error: String
        var attempts: Int
        var replayAttempts: Int
        var deadLetteredAt: Date
        var resolvedAt: Date?
        var resolvedBy: String?
        var note: String?
        var headers: [String: String]?
        /// The message as sent: UTF-8 text (a CloudEvents JSON document), or base64.
        var payload: String?
        var payloadEncoding: String?

        init(_ letter: DeadLetter, full: Bool) {
            id = letter.id
            status = letter.status.rawValue
            consumerGroup = letter.consumerGroup
            topic = letter.topic
            partition = letter.partition
            offset = letter.offset
            key = letter.key
            eventId = letter.eventID
            eventType = letter.eventType
            error = letter.error
            attempts = letter.attempts
            replayAttempts = letter.replayAttempts
            deadLetteredAt = letter.deadLetteredAt
            resolvedAt = letter.resolvedAt
            resolvedBy = letter.resolvedBy.map { "staff:\($0.uuidString.lowercased())" }
            note = letter.note
            guard full else { return }
            headers = letter.headers
            if let text = String(validating: letter.payload, as: UTF8.self) {
                payload = text
                payloadEncoding = "utf-8"
            } else {
                payload = Data(letter.payload).base64EncodedString()
                payloadEncoding = "base64"
            }
        }
    }

    /// What one replay did.
    struct Replayed: ResponseEncodable {
        var id: Int64
        var outcome: String
    }

    /// What replaying every open letter did.
    struct ReplayedAll: ResponseEncodable {
        struct Failure: Encodable, Sendable {
            var id: Int64
            var error: String
        }
        var applied: Int
        var alreadyApplied: Int
        var failed: [Failure]
    }

    struct Discard: Decodable {
        var reason: String?
    }

    /// An operator action as the audit list shows it.
    struct Action: Encodable, Sendable {
        var id: Int64
        var at: Date
        var actor: String
        var action: String
        var subject: String
        var detail: String
    }

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.get("/admin/dead-letters") { request, context -> Page<View> in
            let page = try PageRequest(request)
            let status = try request.queryChoice("status", DeadLetter.Status.allCases.map(\.rawValue)).flatMap(DeadLetter.Status.init)
            let found = try await letters.list(status: status, limit: page.size, offset: page.offset, logger: context.logger)
            return Page(items: found.items.map { View($0, full: false) }, request: page, total: found.total)
        }
        routes.get("/admin/dead-letters/{id}") { _, context -> View in
            View(try await letter(context), full: true)
        }
        routes.post("/admin/dead-letters/{id}/replay") { _, context -> Replayed in
            let letter = try await letter(context)
            switch try await consumer.replay(letter, by: context.staffId, logger: context.logger) {
            case .applied: return Replayed(id: letter.id, outcome: "applied")
            case .alreadyApplied: return Replayed(id: letter.id, outcome: "already_applied")
            case .notOpen: throw Self.notOpen(letter)
            case .failed(let error):
                throw Problem(status: .conflict, type: "replay-failed", title: "The replayed message failed again.",
                              detail: "It stays open with the new error: \(error.prefix(500))")
            }
        }
        routes.post("/admin/dead-letters/replay") { _, context -> ReplayedAll in
            var result = ReplayedAll(applied: 0, alreadyApplied: 0, failed: [])
            for id in try await letters.openIDs(logger: context.logger) {
                guard let letter = try await letters.find(id, logger: context.logger) else { continue }
                switch try await consumer.replay(letter, by: context.staffId, logger: context.logger) {
                case .applied: result.applied += 1
                case .alreadyApplied: result.alreadyApplied += 1
                case .notOpen: continue
                case .failed(let error): result.failed.append(.init(id: id, error: String(error.prefix(500))))
                }
            }
            return result
        }
        routes.post("/admin/dead-letters/{id}/discard") { request, context -> View in
            let reason = try await request.decodeBody(Discard.self, context: context).reason?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard !reason.isEmpty, reason.count <= 500 else {
                throw Problem.validation([.init(field: "reason", message: "is required (at most 500 characters): say why it is given up")])
            }
            let letter = try await letter(context)
            guard try await letters.discard(letter.id, by: context.staffId, reason: reason, logger: context.logger) else {
                throw Self.notOpen(letter)
            }
            return View(try await self.letter(context), full: true)
        }
        routes.get("/admin/operator-actions") { request, context -> Page<Action> in
            let page = try PageRequest(request)
            let found = try await log.list(limit: page.size, offset: page.offset, logger: context.logger)
            return Page(items: found.items.map {
                Action(id: $0.id, at: $0.at, actor: "staff:\($0.staffId?.uuidString.lowercased() ?? "unknown")",
                       action: $0.action, subject: $0.subject, detail: $0.detail)
            }, request: page, total: found.total)
        }
        return routes
    }

    private func letter(_ context: ServiceRequestContext) async throws -> DeadLetter {
        guard let id = context.parameters.get("id").flatMap(Int64.init), id > 0 else {
            throw Problem.validation([.init(field: "id", message: "must be a dead letter's number")])
        }
        guard let letter = try await letters.find(id, logger: context.logger) else { throw Problem.notFound("Dead letter \(id)") }
        return letter
    }

    private static func notOpen(_ letter: DeadLetter) -> Problem {
        Problem(status: .conflict, type: "dead-letter-not-open", title: "The dead letter is no longer open.",
                detail: "Dead letter \(letter.id) was \(letter.status.rawValue).")
    }
}
