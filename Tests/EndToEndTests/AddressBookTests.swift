import AsyncHTTPClient
import Foundation
import ServiceKitTestKit
import Testing

/// A storefront's address form through the gateway: the provinces, then a province's wards.
@Suite("Vietnamese addresses through the gateway", .serialized)
struct AddressBookTests {
    @Test("a guest reads the 34 provinces, then a province's wards for a cascading select; both may be cached; an unknown province is 404; a checkout naming a ward of another province is refused naming the ward")
    func cascadingSelects() async throws {
        try await withServices(["gateway", "checkout"], portOffset: 1440) { client, suite in
            let base = suite.baseURL("gateway")
            let provinces = try await get(client, base + "/api/checkout/addresses/vn/provinces")
            #expect(provinces.status == 200 && provinces.header("Cache-Control") == "public, max-age=86400")
            let items = provinces.json?["items"] as? [[String: Any]] ?? []
            #expect(items.count == 34)
            #expect((provinces.json?["source"] as? String)?.hasPrefix("vietnam-provinces") == true)
            let hcmc = try #require(items.first { ($0["name"] as? String) == "Thành phố Hồ Chí Minh" }, "\(items.prefix(3))")
            let code = try #require(hcmc["code"] as? String)
            let wards = try await get(client, base + "/api/checkout/addresses/vn/provinces/\(code)/wards")
            #expect(wards.status == 200 && (wards.json?["province"] as? [String: Any])?["code"] as? String == code)
            let names = (wards.json?["items"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(names.count > 100 && names.contains("Phường Sài Gòn"), "\(names.count) wards")
            let unknown = try await get(client, base + "/api/checkout/addresses/vn/provinces/99/wards")
            #expect(unknown.status == 404 && unknown.problemType == "/problems/not-found")

            // A checkout's address is checked against the list: a ward of another province is named.
            let wrongWard = try await send(client, "POST", base + "/api/checkout/checkouts", json: [
                "cart_id": UUID().uuidString, "payment_method": "cod",
                "contact": ["name": "Lan", "email": "lan@example.com", "phone": "0912345678"],
                "shipping_address": ["country": "VN", "line1": "12 Lý Thái Tổ", "ward": "Phường Sài Gòn", "province": "Hà Nội"],
            ], headers: ["X-Cart-Token": "guest-token", "Idempotency-Key": UUID().uuidString])
            #expect(wrongWard.status == 422, "\(String(decoding: wrongWard.body, as: UTF8.self))")
            let errors = wrongWard.json?["errors"] as? [[String: Any]] ?? []
            #expect(errors.count == 1 && errors.first?["field"] as? String == "shipping_address.ward"
                    && (errors.first?["message"] as? String)?.contains("Thành phố Hà Nội") == true, "\(errors)")
        }
    }
}
