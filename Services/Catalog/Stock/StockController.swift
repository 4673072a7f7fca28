import Foundation
import Hummingbird
import ServiceKit

/// Staff set and adjust stock: an absolute count (a stocktake) or a relative change with a
/// reason (a delivery, breakage), each recorded in the movement log, which they can read.
struct StockController: Controller {
    static let access = Access.staff
    let stock: StockStore

    struct SetStock: Decodable {
        var onHand: Int
        var reason: String?
    }

    struct Adjustment: Decodable {
        var delta: Int
        var reason: String
    }

    struct StockReport: ResponseEncodable {
        var level: StockLevel
        var movements: Page<StockMovement>
    }

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.put("/admin/variants/{id}/stock") { request, context -> StockLevel in
            let variant = try context.uuid(what: "That variant")
            let body = try await request.decodeBody(SetStock.self, context: context)
            var errors: [Problem.FieldError] = []
            if !(0...1_000_000).contains(body.onHand) { errors.append(.init(field: "on_hand", message: "must be from 0 to 1000000")) }
            if let reason = body.reason, reason.count > 500 { errors.append(.init(field: "reason", message: "must be at most 500 characters")) }
            guard errors.isEmpty else { throw Problem.validation(errors) }
            return try await stock.count(variant, onHand: body.onHand, reason: body.reason ?? "stock count", staffId: context.staffId,
                                         correlationId: context.correlationId, logger: context.logger)
        }
        routes.post("/admin/variants/{id}/stock/adjustments") { request, context -> StockLevel in
            let variant = try context.uuid(what: "That variant")
            let body = try await request.decodeBody(Adjustment.self, context: context)
            var errors: [Problem.FieldError] = []
            if body.delta == 0 || abs(body.delta) > 1_000_000 { errors.append(.init(field: "delta", message: "must be a non-zero whole number within ±1000000")) }
            if let problem = ProductRules.textProblem(body.reason, max: 500) { errors.append(.init(field: "reason", message: problem)) }
            guard errors.isEmpty else { throw Problem.validation(errors) }
            return try await stock.adjust(variant, by: body.delta, reason: body.reason.trimmed, staffId: context.staffId,
                                          correlationId: context.correlationId, logger: context.logger)
        }
        routes.get("/admin/variants/{id}/stock") { request, context -> StockReport in
            let (level, movements) = try await stock.history(try context.uuid(what: "That variant"), page: try PageRequest(request, defaultSize: 50),
                                                             logger: context.logger)
            return StockReport(level: level, movements: movements)
        }
        return routes
    }
}
