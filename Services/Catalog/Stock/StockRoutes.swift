import Foundation
import Hummingbird
import Persistence
import ServiceKit

/// Staff set and adjust stock: an absolute count (a stocktake) or a relative change with a
/// reason (a delivery, breakage), each recorded in the movement log, which they can read.
struct StockRoutes: Sendable {
    let database: Database
    let inventory: StockStore

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

    func register(on router: Router<ServiceRequestContext>) {
        router.put("/admin/variants/{id}/stock") { request, context -> StockLevel in
            let caller = try context.caller(of: request).requiring([.staff, .admin])
            let variant = try ProductAdminRoutes.id(context)
            let body = try await request.decodeBody(SetStock.self, context: context)
            var errors: [Problem.FieldError] = []
            if !(0...1_000_000).contains(body.onHand) { errors.append(.init(field: "on_hand", message: "must be from 0 to 1000000")) }
            if let reason = body.reason, reason.count > 500 { errors.append(.init(field: "reason", message: "must be at most 500 characters")) }
            guard errors.isEmpty else { throw Problem.validation(errors) }
            return try await database.transaction(logger: context.logger) { connection in
                guard let current = try await inventory.lockedLevel(of: variant, on: connection, logger: context.logger) else {
                    throw Problem.notFound("That variant")
                }
                guard body.onHand >= current.reserved else { throw Self.belowReserved(current, field: "on_hand") }
                let change = StockStore.Change(kind: .set, onHandDelta: body.onHand - current.onHand, reason: body.reason ?? "stock count",
                                              staffId: caller.staffId)
                guard let level = try await inventory.apply(change, to: variant, correlationId: context.correlationId,
                                                            on: connection, logger: context.logger)
                else { throw Self.belowReserved(current, field: "on_hand") }
                return level
            }
        }
        router.post("/admin/variants/{id}/stock/adjustments") { request, context -> StockLevel in
            let caller = try context.caller(of: request).requiring([.staff, .admin])
            let variant = try ProductAdminRoutes.id(context)
            let body = try await request.decodeBody(Adjustment.self, context: context)
            var errors: [Problem.FieldError] = []
            if body.delta == 0 || abs(body.delta) > 1_000_000 { errors.append(.init(field: "delta", message: "must be a non-zero whole number within ±1000000")) }
            if let problem = ProductRules.textProblem(body.reason, max: 500) { errors.append(.init(field: "reason", message: problem)) }
            guard errors.isEmpty else { throw Problem.validation(errors) }
            return try await database.transaction(logger: context.logger) { connection in
                guard let current = try await inventory.lockedLevel(of: variant, on: connection, logger: context.logger) else {
                    throw Problem.notFound("That variant")
                }
                let change = StockStore.Change(kind: .adjust, onHandDelta: body.delta, reason: body.reason.trimmed, staffId: caller.staffId)
                guard let level = try await inventory.apply(change, to: variant, correlationId: context.correlationId,
                                                            on: connection, logger: context.logger)
                else { throw Self.belowReserved(current, field: "delta") }
                return level
            }
        }
        router.get("/admin/variants/{id}/stock") { request, context -> StockReport in
            _ = try context.caller(of: request).requiring([.staff, .admin])
            let variant = try ProductAdminRoutes.id(context)
            let page = try PageRequest(request, defaultSize: 50)
            return try await database.transaction(logger: context.logger) { connection in
                guard let level = try await inventory.lockedLevel(of: variant, on: connection, logger: context.logger) else {
                    throw Problem.notFound("That variant")
                }
                let rows = try await connection.query("""
                    SELECT id, kind, on_hand_delta, reserved_delta, on_hand_after, reserved_after, reason, reference, at, count(*) OVER ()
                    FROM stock_movements WHERE variant_id = \(variant) ORDER BY id DESC LIMIT \(page.size)::int4 OFFSET \(page.offset)::int4
                    """, logger: context.logger)
                var movements: [StockMovement] = []
                var total = 0
                for try await (id, kind, onHandDelta, reservedDelta, onHandAfter, reservedAfter, reason, reference, at, count)
                    in rows.decode((Int64, String, Int, Int, Int, Int, String?, String?, Date, Int).self) {
                    movements.append(StockMovement(id: id, kind: StockMovement.Kind(rawValue: kind) ?? .correction, onHandDelta: onHandDelta,
                                                   reservedDelta: reservedDelta, onHandAfter: onHandAfter, reservedAfter: reservedAfter,
                                                   reason: reason, reference: reference, at: at))
                    total = count
                }
                return StockReport(level: level, movements: Page(items: movements, request: page, total: total))
            }
        }
    }

    static func belowReserved(_ level: StockLevel, field: String) -> Problem {
        Problem(status: .conflict, type: "stock-below-reserved", title: "Stock cannot go below what is reserved.",
                detail: "\(level.sku): \(level.onHand) on hand, \(level.reserved) reserved for checkouts.",
                errors: [.init(field: field, message: "would leave on hand below the \(level.reserved) reserved")])
    }
}
