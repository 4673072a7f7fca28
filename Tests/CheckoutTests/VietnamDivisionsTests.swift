@testable import Checkout
import EventContracts
import Foundation
import ServiceKit
import Testing

/// The official list of Vietnam's divisions since the 2025 reform, as the service reads it.
@Suite("Vietnam's provinces and wards")
struct VietnamDivisionsTests {
    @Test("34 provinces and cities, 3,321 communes and wards, each under one province, codes unique and well formed")
    func officialList() {
        let list = VietnamDivisions.official
        #expect(list.provinces.count == 34)
        #expect(list.wards.values.reduce(0) { $0 + $1.count } == 3_321)
        #expect(Set(list.provinces.map(\.code)).count == 34 && list.provinces.allSatisfy { $0.code.count == 2 })
        let wards = list.wards.values.flatMap { $0 }
        #expect(Set(wards.map(\.code)).count == wards.count && wards.allSatisfy { $0.code.count == 5 && $0.code.allSatisfy(\.isNumber) })
        #expect(Set(list.provinces.map(\.type)) == ["tỉnh", "thành phố trung ương"])
        #expect(Set(wards.map(\.type)) == ["xã", "phường", "đặc khu"])
        #expect(list.provinces.filter { $0.type == "thành phố trung ương" }.count == 6, "Hà Nội, Huế, Hải Phòng, Đà Nẵng, TP. Hồ Chí Minh, Cần Thơ")
        let hanoi = list.provinces.first { $0.name == "Thành phố Hà Nội" }
        #expect(hanoi?.code == "01")
        #expect(list.wards["01"]?.contains { $0.name == "Phường Hoàn Kiếm" } == true)
        #expect(list.provinces.allSatisfy { !(list.wards[$0.code] ?? []).isEmpty }, "every province has wards")
    }

    @Test("a line that is not a division is skipped; wards belong to the province above them")
    func parsing() {
        let list = VietnamDivisions(text: "P|01|Thành phố Hà Nội|thành phố trung ương\nW|00070|Phường Hoàn Kiếm|phường\nnot a line\nP|04|Tỉnh Cao Bằng|tỉnh\nW|01273|Phường Thục Phán|phường")
        #expect(list.provinces.map(\.code) == ["01", "04"])
        #expect(list.wards["01"]?.map(\.code) == ["00070"] && list.wards["04"]?.map(\.name) == ["Phường Thục Phán"])
    }
}

/// Vietnamese addresses at checkout: today's form checked against the list, the older form
/// mapped where it is unambiguous.
@Suite("Vietnamese addresses at checkout")
struct VietnameseAddressTests {
    let divisions = VietnamDivisions.official

    @Test("today's form: names match without diacritics, case or type word, and come back as the list writes them; a wrong province or ward is named")
    func todaysForm() {
        guard case .today(let province, let ward) = divisions.resolve(province: "ha noi", district: nil, ward: "hoan kiem") else {
            Issue.record("Hà Nội, Hoàn Kiếm not found")
            return
        }
        #expect(province.name == "Thành phố Hà Nội" && ward.name == "Phường Hoàn Kiếm")
        #expect(divisions.resolve(province: "TP. Hồ Chí Minh", district: nil, ward: "Phường Sài Gòn") != .unknownProvince)
        #expect(divisions.resolve(province: "Hà Giang", district: nil, ward: "Phường Hà Giang 1") == .unknownProvince,
                "Hà Giang joined Tuyên Quang in 2025")
        #expect(divisions.resolve(province: "Thành phố Hà Nội", district: nil, ward: "Phường Sài Gòn")
                == .unknownWard(province: province), "a ward of another province")
    }

    @Test("the older three-level form maps onto today's ward where the older ward became one; a split ward is kept as written")
    func olderForm() {
        guard case .today(let province, let ward) = divisions.resolve(province: "Hà Nội", district: "Quận Hoàn Kiếm", ward: "Phường Hàng Bạc") else {
            Issue.record("Hàng Bạc was not mapped")
            return
        }
        #expect(province.name == "Thành phố Hà Nội" && ward.name == "Phường Hoàn Kiếm", "Hàng Bạc became Hoàn Kiếm ward")
        #expect(divisions.resolve(province: "Hà Nội", district: "Hoàn Kiếm", ward: "Hàng Bạc") == .today(province: province, ward: ward),
                "type words may be left out")
        #expect(divisions.resolve(province: "Hà Nội", district: "Quận Hoàn Kiếm", ward: "Phường Hàng Trống") == .asWritten,
                "Hàng Trống was split between Cửa Nam and Hoàn Kiếm")
        #expect(divisions.resolve(province: "Hà Giang", district: "Thành phố Hà Giang", ward: "Phường Minh Khai") != .unknownProvince,
                "an older province is accepted in the older form")
    }

    @Test("a checkout's Vietnamese address: today's names kept as the list writes them; an unknown ward named; the older form mapped")
    func checkoutRequest() throws {
        func request(province: String, district: String?, ward: String) -> CheckoutRequest {
            CheckoutRequest(cartId: UUID().uuidString, contact: ContactDetails(name: "Lan", email: "lan@example.vn", phone: "0912345678"),
                            shippingAddress: ShippingAddress(country: "VN", line1: "12 Lý Thái Tổ", ward: ward, district: district, province: province),
                            paymentMethod: "cod")
        }
        let today = try request(province: "hà nội", district: nil, ward: "hoàn kiếm").validated().request.shippingAddress
        #expect(today.province == "Thành phố Hà Nội" && today.ward == "Phường Hoàn Kiếm" && today.district == nil)
        let older = try request(province: "Hà Nội", district: "Quận Hoàn Kiếm", ward: "Phường Hàng Bạc").validated().request.shippingAddress
        #expect(older.province == "Thành phố Hà Nội" && older.ward == "Phường Hoàn Kiếm" && older.district == nil)
        let split = try request(province: "Hà Nội", district: "Quận Hoàn Kiếm", ward: "Phường Hàng Trống").validated().request.shippingAddress
        #expect(split.ward == "Phường Hàng Trống" && split.district == "Quận Hoàn Kiếm", "taken as written")
        #expect { try request(province: "Hà Nội", district: nil, ward: "Phường Không Có").validated() } throws: {
            ($0 as? Problem)?.errors.map(\.field) == ["shipping_address.ward"]
        }
        #expect { try request(province: "Hà Giang", district: nil, ward: "Phường Hà Giang 1").validated() } throws: {
            ($0 as? Problem)?.errors.map(\.field) == ["shipping_address.province"]
        }
    }
}
