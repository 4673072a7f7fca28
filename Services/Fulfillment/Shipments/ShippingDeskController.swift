import Foundation
import Hummingbird
import ServiceKit

/// Staff's shipping desk: the packing queue, an order's shipments, tracking, splitting,
/// shipped and delivered.
struct ShippingDeskController: Controller {
    static let access = Access.staff
    let shipments: ShipmentStore

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.get("/admin/shipments") { request, context -> Page<Shipment> in
            let status = try request.queryChoice("status", ShipmentStatus.allCases.map(\.rawValue)).flatMap(ShipmentStatus.init(rawValue:))
            return try await shipments.list(status: status, page: try PageRequest(request), logger: context.logger)
        }
        routes.get("/admin/orders/{id}/shipments") { _, context -> OrderShipments in
            guard let found = try await shipments.forOrder(try context.uuid(what: "That order"), logger: context.logger) else {
                throw Problem.notFound("That order")
            }
            return found
        }
        routes.get("/admin/shipments/{id}") { _, context -> Shipment in
            try await shipments.existing(try context.uuid(what: "That shipment"), logger: context.logger)
        }
        routes.post("/admin/shipments/{id}/tracking") { request, context -> Shipment in
            let id = try context.uuid(what: "That shipment")
            let tracking = try await request.decodeBody(TrackingInput.self, context: context).validated()
            guard !tracking.isEmpty else {
                throw Problem.validation([.init(field: "carrier", message: "give a carrier, tracking_number or tracking_url")])
            }
            return try await shipments.updateTracking(id, tracking, logger: context.logger)
        }
        routes.post("/admin/shipments/{id}/split") { request, context -> EditedResponse<Shipment> in
            let id = try context.uuid(what: "That shipment")
            let quantities = try await request.decodeBody(SplitRequest.self, context: context).validated()
            return EditedResponse(status: .created, response: try await shipments.split(id, quantities: quantities, correlationId: context.correlationId,
                                                                                         logger: context.logger))
        }
        routes.post("/admin/shipments/{id}/ship") { request, context -> Shipment in
            let id = try context.uuid(what: "That shipment")
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            let tracking = buffer.readableBytes == 0 ? TrackingInput() : try Request.decode(TrackingInput.self, from: Data(buffer.readableBytesView)).validated()
            return try await shipments.ship(id, tracking: tracking, correlationId: context.correlationId, logger: context.logger)
        }
        routes.post("/admin/shipments/{id}/deliver") { _, context -> Shipment in
            try await shipments.deliver(try context.uuid(what: "That shipment"), correlationId: context.correlationId, logger: context.logger)
        }
        return routes
    }
}
