import Foundation
import Hummingbird
import ServiceKit
import ServiceKitTestKit
import Testing

/// The kit's role check in front of each controller, driven in process: a guest gets 401,
/// another role 403 (both as problems) before the handler runs, and the handler reads the
/// caller it let in.
@Suite("Controllers behind access groups")
struct AccessGroupTests {
    /// Counts how often a handler ran, so a refused request is seen not to reach it.
    final class Reached: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func mark() { lock.withLock { count += 1 } }
        var value: Int { lock.withLock { count } }
    }

    struct Shelf: Controller {
        static let access = Access.everyone
        var endpoints: RouteCollection<ServiceRequestContext> {
            RouteCollection(context: ServiceRequestContext.self).get("/shelf") { request, context in context.caller(of: request) }
        }
    }

    struct Basket: Controller {
        static let access = Access.customer
        let reached: Reached
        struct Mine: ResponseEncodable { var customerId: String }
        var endpoints: RouteCollection<ServiceRequestContext> {
            RouteCollection(context: ServiceRequestContext.self).get("/basket") { _, context -> Mine in
                reached.mark()
                return Mine(customerId: try context.customerId.uuidString.lowercased())
            }
        }
    }

    struct Desk: Controller {
        static let access = Access.staff
        let reached: Reached
        struct Count: Decodable { var quantity: Int }
        struct Counted: ResponseEncodable { var quantity: Int; var by: String }
        var endpoints: RouteCollection<ServiceRequestContext> {
            RouteCollection(context: ServiceRequestContext.self).post("/desk/{id}") { request, context -> Counted in
                reached.mark()
                _ = try context.uuid(what: "That shelf")
                let body = try await request.decodeBody(Count.self, context: context)
                guard body.quantity >= 0 else { throw Problem.validation([.init(field: "quantity", message: "must be 0 or more")]) }
                return Counted(quantity: body.quantity, by: context.staffActor)
            }
        }
    }

    struct Keys: Controller {
        static let access = Access.admin
        let reached: Reached
        var endpoints: RouteCollection<ServiceRequestContext> {
            RouteCollection(context: ServiceRequestContext.self).get("/keys") { _, _ -> HTTPResponse.Status in
                reached.mark()
                return .noContent
            }
        }
    }

    static let customer = CallerIdentity(role: .customer, customerId: UUID())
    static let staff = CallerIdentity(role: .staff, staffId: UUID())
    static let admin = CallerIdentity(role: .admin, staffId: UUID())

    @Test("a guest is 401 on customer, staff and admin routes, as a problem, and no handler runs; everyone's route answers a guest")
    func guests() async throws {
        let reached = Reached()
        try await InProcessRoutes.with([Shelf(), Basket(reached: reached), Desk(reached: reached), Keys(reached: reached)]) { api in
            for (method, path) in [(HTTPRequest.Method.get, "/basket"), (.post, "/desk/\(UUID())"), (.get, "/keys")] {
                let answer = try await api.send(method, path, json: method == .post ? #"{"quantity": 1}"# : nil)
                #expect(answer.status == 401, "\(path)")
                #expect(answer.problem?.type == "/problems/unauthenticated", "\(path)")
            }
            // A customer header without its id is no customer.
            let halfAsserted = try await api.send(.get, "/basket", headers: [CallerIdentity.roleHeader: "customer"])
            #expect(halfAsserted.status == 401)
            let shelf = try await api.send(.get, "/shelf")
            #expect(shelf.status == 200)
            #expect(try shelf.decode([String: String].self)["role"] == "guest")
        }
        #expect(reached.value == 0)
    }

    @Test("another role is 403 and names who may; the right role reaches the handler with its own id")
    func roles() async throws {
        let reached = Reached()
        try await InProcessRoutes.with([Basket(reached: reached), Desk(reached: reached), Keys(reached: reached)]) { api in
            let customerAtDesk = try await api.send(.post, "/desk/\(UUID())", as: Self.customer, json: #"{"quantity": 1}"#)
            #expect(customerAtDesk.status == 403)
            #expect(customerAtDesk.problem?.type == "/problems/forbidden")
            #expect(customerAtDesk.problem?.detail == "Allowed: admin, staff.")
            #expect(try await api.send(.get, "/keys", as: Self.staff).status == 403)
            #expect(try await api.send(.get, "/basket", as: Self.staff).status == 403, "staff are not customers")

            let basket = try await api.send(.get, "/basket", as: Self.customer)
            #expect(basket.status == 200)
            #expect(try basket.decode([String: String].self)["customer_id"] == Self.customer.customerId?.uuidString.lowercased())
            let counted = try await api.send(.post, "/desk/\(UUID())", as: Self.admin, json: #"{"quantity": 4}"#)
            #expect(counted.status == 200)
            struct Counted: Decodable { var quantity: Int; var by: String }
            #expect(try counted.decode(Counted.self).by == "staff:\(Self.admin.staffId!.uuidString.lowercased())")
            #expect(try counted.decode(Counted.self).quantity == 4)
            #expect(try await api.send(.get, "/keys", as: Self.admin).status == 204)
        }
        #expect(reached.value == 3)
    }

    @Test("bad input is a problem naming the field: a wrong type, a missing field, a rule, JSON that is not JSON, an id that cannot exist")
    func problems() async throws {
        try await InProcessRoutes.with([Desk(reached: Reached())]) { api in
            let shelf = "/desk/\(UUID())"
            let wrongType = try await api.send(.post, shelf, as: Self.staff, json: #"{"quantity": "four"}"#)
            #expect(wrongType.status == 422)
            #expect(wrongType.contentType == "application/problem+json")
            #expect(wrongType.problem?.type == "/problems/validation-failed")
            #expect(wrongType.problem?.errors == [.init(field: "quantity", message: "must be a whole number")])
            let missing = try await api.send(.post, shelf, as: Self.staff, json: "{}")
            #expect(missing.problem?.errors == [.init(field: "quantity", message: "is required")])
            let rule = try await api.send(.post, shelf, as: Self.staff, json: #"{"quantity": -1}"#)
            #expect(rule.status == 422)
            #expect(rule.problem?.fields == ["quantity"])
            let notJSON = try await api.send(.post, shelf, as: Self.staff, json: "{quantity")
            #expect(notJSON.status == 400)
            #expect(notJSON.problem?.type == "/problems/bad-request")
            let noSuchId = try await api.send(.post, "/desk/not-a-uuid", as: Self.staff, json: #"{"quantity": 1}"#)
            #expect(noSuchId.status == 404)
            #expect(noSuchId.problem?.detail == "That shelf does not exist.")
        }
    }
}
