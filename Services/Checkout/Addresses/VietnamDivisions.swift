import Hummingbird

/// Vietnam's provinces and cities, each with its communes and wards, as they are since the
/// reform of 1 July 2025 (34 provinces, no districts): the official list
/// (``VietnamDivisionsData``), read once.
struct VietnamDivisions: Sendable {
    /// A province, a centrally governed city, a commune, a ward or a special zone.
    struct Division: ResponseEncodable, Sendable, Equatable {
        /// The statistics office's code: two digits for a province, five for a ward.
        var code: String
        var name: String
        /// `tỉnh`, `thành phố trung ương`, `xã`, `phường` or `đặc khu`.
        var type: String
    }

    let provinces: [Division]
    /// Each province's communes and wards, by the province's code.
    let wards: [String: [Division]]

    /// The list every checkout service instance serves.
    static let official = VietnamDivisions(text: VietnamDivisionsData.text)

    init(text: String) {
        var provinces: [Division] = []
        var wards: [String: [Division]] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 4 else { continue }
            let division = Division(code: parts[1], name: parts[2], type: parts[3])
            if parts[0] == "P" {
                provinces.append(division)
                wards[division.code] = []
            } else if let province = provinces.last?.code {
                wards[province, default: []].append(division)
            }
        }
        self.provinces = provinces
        self.wards = wards
    }
}
