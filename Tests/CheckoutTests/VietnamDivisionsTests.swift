@testable import Checkout
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
