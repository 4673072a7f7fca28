import HTTPTypes
import Hummingbird
import ServiceKit

/// Vietnam's provinces, then a province's communes and wards, for a storefront's cascading
/// address selects (no sign-in; the same for every store, so browsers and CDNs keep them a day).
struct AddressBookController: Controller {
    static let access = Access.everyone
    let divisions: VietnamDivisions

    struct Provinces: ResponseEncodable {
        var source: String
        var items: [VietnamDivisions.Division]
    }

    struct Wards: ResponseEncodable {
        var province: VietnamDivisions.Division
        var items: [VietnamDivisions.Division]
    }

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.get("/addresses/vn/provinces") { _, context -> Response in
            try Self.kept(Provinces(source: VietnamDivisionsData.source, items: divisions.provinces), context)
        }
        routes.get("/addresses/vn/provinces/{code}/wards") { _, context -> Response in
            let code = context.parameters.get("code") ?? ""
            guard let province = divisions.provinces.first(where: { $0.code == code }), let wards = divisions.wards[code] else {
                throw Problem.notFound("That province")
            }
            return try Self.kept(Wards(province: province, items: wards), context)
        }
        return routes
    }

    /// `answer` as JSON that caches may keep for a day.
    private static func kept(_ answer: some ResponseEncodable, _ context: ServiceRequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "public, max-age=86400"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(data: try context.responseEncoder.encode(answer))))
    }
}
