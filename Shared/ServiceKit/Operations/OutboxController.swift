import EventContracts
import Foundation
import Hummingbird
import Messaging

/// `POST /admin/outbox/republish` (admin): publishes this service's events again from a
/// time, after the broker lost messages (an in-memory broker's restart, a restore from
/// backup). Consumers' inboxes drop what they had applied. Audited.
struct OutboxController: Controller {
    static let access = Access.platform
    let environment: ServiceEnvironment

    struct Republish: Decodable {
        var since: String?
        var until: String?
    }

    struct Republished: ResponseEncodable {
        var republished: Int
        var since: Date
        var until: Date?
        /// The oldest published event the outbox still holds; events before it were pruned.
        var keptSince: Date?
    }

    var endpoints: RouteCollection<ServiceRequestContext> {
        RouteCollection(context: ServiceRequestContext.self).post("/admin/outbox/republish") { request, context -> EditedResponse<Republished> in
            let body = try await request.decodeBody(Republish.self, context: context)
            guard let since = body.since.flatMap(RFC3339.date) else {
                throw Problem.validation([.init(field: "since", message: "is required: an RFC 3339 time such as 2026-12-07T10:00:00Z")])
            }
            let until = try body.until.map { text in
                guard let date = RFC3339.date(from: text), date > since else {
                    throw Problem.validation([.init(field: "until", message: "must be an RFC 3339 time after since")])
                }
                return date
            }
            let staff = context.staffId
            let outbox = environment.outbox
            let done = try await environment.database.transaction(logger: context.logger) { connection in
                let done = try await outbox.republish(since: since, until: until, on: connection, logger: context.logger)
                var detail = ["since": RFC3339.string(from: since), "count": "\(done.count)"]
                if let until { detail["until"] = RFC3339.string(from: until) }
                try await OperatorLog.record("outbox.republished", subject: "topic:\(outbox.topic)", by: staff, detail: detail,
                                             on: connection, logger: context.logger)
                return done
            }
            return EditedResponse(status: .accepted, response: Republished(
                republished: done.count, since: since, until: until, keptSince: done.keptSince))
        }
    }
}
