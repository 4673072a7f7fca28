import Foundation
import Hummingbird
import PostgresNIO
import ServiceKit

/// Staff's shipping desk (the packing queue, tracking, splitting, shipped and delivered) and
/// a customer's view of their own order's shipments (anyone else's is 404).
struct ShipmentRoutes: Sendable {
    let book: ShipmentStore

    func register(on router: Router<ServiceRequestContext>) {
        router.get("/orders/{id}/shipments") { request, context -> OrderShipments in
            guard let customer = try context.caller(of: request).requiring([.customer]).customerId else { throw Problem.unauthenticated }
            guard let shipments = try await book.forOrder(try context.uuid(what: "That order"), customer: customer, logger: context.logger) else {
                throw Problem.notFound("That order")
            }
            return shipments
        }
        router.get("/admin/shipments") { request, context -> Page<Shipment> in
            _ = try context.caller(of: request).requiring([.staff, .admin])
            let status = try request.queryChoice("status", ShipmentStatus.allCases.map(\.rawValue)).flatMap(ShipmentStatus.init(rawValue:))
            return try await book.list(status: status, page: try PageRequest(request), logger: context.logger)
        }
        router.get("/admin/orders/{id}/shipments") { request, context -> OrderShipments in
            _ = try context.caller(of: request).requiring([.staff, .admin])
            guard let shipments = try await book.forOrder(try context.uuid(what: "That order"), logger: context.logger) else {
                throw Problem.notFound("That order")
            }
            return shipments
        }
        router.get("/admin/shipments/{id}") { request, context -> Shipment in
            _ = try context.caller(of: request).requiring([.staff, .admin])
            guard let shipment = try await book.find(try context.uuid(what: "That shipment"), logger: context.logger) else {
                throw Problem.notFound("That shipment")
            }
            return shipment
        }
        router.post("/admin/shipments/{id}/tracking") { request, context -> Shipment in
            _ = try context.caller(of: request).requiring([.staff, .admin])
            let id = try context.uuid(what: "That shipment")
            let tracking = try await request.decodeBody(TrackingInput.self, context: context).validated()
            guard !tracking.isEmpty else {
                throw Problem.validation([.init(field: "carrier", message: "give a carrier, tracking_number or tracking_url")])
            }
            return try await change(id, context: context) { shipment, connection in
                guard shipment.status == .pending || shipment.status == .shipped else {
                    throw Self.illegal(shipment, "tracking can change only before delivery")
                }
                try await book.setTracking(id, tracking, on: connection, logger: context.logger)
            }
        }
        router.post("/admin/shipments/{id}/split") { request, context -> EditedResponse<Shipment> in
            _ = try context.caller(of: request).requiring([.staff, .admin])
            let id = try context.uuid(what: "That shipment")
            let quantities = try await request.decodeBody(SplitRequest.self, context: context).validated()
            let created = try await book.database.transaction(logger: context.logger) { connection -> UUID in
                guard let shipment = try await book.find(id, lock: true, on: connection, logger: context.logger) else {
                    throw Problem.notFound("That shipment")
                }
                guard shipment.status == .pending else { throw Self.illegal(shipment, "only a pending shipment can be split") }
                return try await book.split(shipment, quantities: quantities, correlationId: context.correlationId, on: connection, logger: context.logger)
            }
            guard let shipment = try await book.find(created, logger: context.logger) else { throw Problem.notFound("That shipment") }
            return EditedResponse(status: .created, response: shipment)
        }
        router.post("/admin/shipments/{id}/ship") { request, context -> Shipment in
            _ = try context.caller(of: request).requiring([.staff, .admin])
            let id = try context.uuid(what: "That shipment")
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            let tracking = buffer.readableBytes == 0 ? TrackingInput() : try Request.decode(TrackingInput.self, from: Data(buffer.readableBytesView)).validated()
            return try await change(id, context: context) { shipment, connection in
                guard shipment.status.next.contains(.shipped) else { throw Self.illegal(shipment, "it cannot be shipped") }
                if !tracking.isEmpty { try await book.setTracking(id, tracking, on: connection, logger: context.logger) }
                guard let current = try await book.find(id, on: connection, logger: context.logger),
                      try await book.move(current, to: .shipped, correlationId: context.correlationId, on: connection, logger: context.logger)
                else { throw Self.illegal(shipment, "it cannot be shipped") }
            }
        }
        router.post("/admin/shipments/{id}/deliver") { request, context -> Shipment in
            _ = try context.caller(of: request).requiring([.staff, .admin])
            let id = try context.uuid(what: "That shipment")
            return try await change(id, context: context) { shipment, connection in
                guard try await book.move(shipment, to: .delivered, correlationId: context.correlationId, on: connection, logger: context.logger) else {
                    throw Self.illegal(shipment, "it cannot be marked delivered")
                }
            }
        }
    }

    /// Runs `body` on the locked shipment in one transaction and answers the shipment after.
    private func change(_ id: UUID, context: ServiceRequestContext,
                        _ body: (Shipment, PostgresConnection) async throws -> Void) async throws -> Shipment {
        try await book.database.transaction(logger: context.logger) { connection in
            guard let shipment = try await book.find(id, lock: true, on: connection, logger: context.logger) else {
                throw Problem.notFound("That shipment")
            }
            try await body(shipment, connection)
        }
        guard let shipment = try await book.find(id, logger: context.logger) else { throw Problem.notFound("That shipment") }
        return shipment
    }

    static func illegal(_ shipment: Shipment, _ why: String) -> Problem {
        let allowed = shipment.status.next.map(\.rawValue).sorted()
        return Problem(status: .conflict, type: "illegal-transition", title: "The shipment cannot do that from where it is.",
                       detail: "This shipment is \(shipment.status.rawValue): \(why). "
                        + (allowed.isEmpty ? "It is closed." : "It can move to: \(allowed.joined(separator: ", "))."))
    }
}
