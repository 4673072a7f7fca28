import Foundation
import Hummingbird

/// Vietnam's provinces and cities, each with its communes and wards, as they are since the
/// reform of 1 July 2025 (34 provinces, no districts): the official list
/// (``VietnamDivisionsData``), read once, and the older wards that became exactly one of
/// today's.
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
    /// Today's ward (and its province) by ward code.
    private let wardsByCode: [String: (province: Division, ward: Division)]
    /// Names as keys (``fold(_:)``), made once: the provinces', and each province's wards'.
    private let provinceKeys: [String]
    private let wardKeys: [String: [String]]
    /// Older wards that became one of today's: folded province key → district key → ward key → ward code.
    private let legacy: [String: [String: [String: String]]]

    /// The list every checkout service instance serves.
    static let official = VietnamDivisions(text: VietnamDivisionsData.text, legacy: VietnamDivisionsData.legacy)

    init(text: String, legacy legacyText: String = "") {
        var provinces: [Division] = []
        var wards: [String: [Division]] = [:]
        var byCode: [String: (Division, Division)] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 4 else { continue }
            let division = Division(code: parts[1], name: parts[2], type: parts[3])
            if parts[0] == "P" {
                provinces.append(division)
                wards[division.code] = []
            } else if let province = provinces.last {
                wards[province.code, default: []].append(division)
                byCode[division.code] = (province, division)
            }
        }
        var legacy: [String: [String: [String: String]]] = [:]
        var district: (String, String)?
        for line in legacyText.split(separator: "\n") {
            let parts = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3 else { continue }
            if parts[0] == "D" {
                district = (parts[1], parts[2])
            } else if let (province, name) = district {
                legacy[province, default: [:]][name, default: [:]][parts[1]] = parts[2]
            }
        }
        self.provinces = provinces
        self.wards = wards
        self.wardsByCode = byCode
        self.provinceKeys = provinces.map { Self.fold($0.name) }
        self.wardKeys = wards.mapValues { $0.map { Self.fold($0.name) } }
        self.legacy = legacy
    }

    /// What an address's province, district and ward are today.
    enum Resolution: Equatable {
        /// Today's province and ward (an older address mapped onto them).
        case today(province: Division, ward: Division)
        /// An older three-level address whose ward is not one of today's by itself (split, or
        /// not in the mapping): taken as written.
        case asWritten
        case unknownProvince
        case unknownWard(province: Division)
    }

    /// Resolves an address. Without a district it must be today's form: a province or city of
    /// today and one of its communes or wards. With a district it is the older form: mapped
    /// onto today's units where the older ward became exactly one ward, else taken as written.
    /// Names match without diacritics, case or their type word (`Hà Nội` is `Thành phố Hà Nội`).
    func resolve(province: String, district: String?, ward: String) -> Resolution {
        guard let district, !district.isEmpty else { return todays(province: province, ward: ward) }
        if let code = older(province: province, district: district, ward: ward), let found = wardsByCode[code] {
            return .today(province: found.province, ward: found.ward)
        }
        if case .today(let province, let ward) = todays(province: province, ward: ward) { return .today(province: province, ward: ward) }
        return .asWritten
    }

    private func todays(province: String, ward: String) -> Resolution {
        guard let key = Self.pick(province, from: provinceKeys, prefixes: Self.provincePrefixes),
              let index = provinceKeys.firstIndex(of: key) else { return .unknownProvince }
        let found = provinces[index]
        let keys = wardKeys[found.code] ?? []
        guard let wardKey = Self.pick(ward, from: keys, prefixes: Self.wardPrefixes), let wardIndex = keys.firstIndex(of: wardKey),
              let match = wards[found.code]?[wardIndex] else { return .unknownWard(province: found) }
        return .today(province: found, ward: match)
    }

    private func older(province: String, district: String, ward: String) -> String? {
        guard let provinceKey = Self.pick(province, from: legacy.keys, prefixes: Self.provincePrefixes),
              let districts = legacy[provinceKey],
              let districtKey = Self.pick(district, from: districts.keys, prefixes: Self.districtPrefixes),
              let wards = districts[districtKey],
              let wardKey = Self.pick(ward, from: wards.keys, prefixes: Self.wardPrefixes) else { return nil }
        return wards[wardKey]
    }

    static let provincePrefixes = ["thanhpho", "tinh", "tp"]
    static let districtPrefixes = ["quan", "huyen", "thixa", "thanhpho", "tp"]
    static let wardPrefixes = ["phuong", "xa", "thitran", "dackhu"]

    /// The one key `input` names: written as the key, or as the key without its type word
    /// (with or without one of its own); nil when none or several match.
    static func pick(_ input: String, from keys: some Collection<String>, prefixes: [String]) -> String? {
        let folded = fold(input)
        guard !folded.isEmpty else { return nil }
        if keys.contains(folded) { return folded }
        for candidate in [folded, stripped(folded, prefixes)] {
            let matches = keys.filter { stripped($0, prefixes) == candidate }
            if matches.count == 1 { return matches[0] }
            if matches.count > 1 { return nil }
        }
        return nil
    }

    /// A name as the keys are written: lower case, no diacritics, đ as d, letters and digits only.
    static func fold(_ text: String) -> String {
        let plain = text.lowercased().replacingOccurrences(of: "đ", with: "d").decomposedStringWithCanonicalMapping
        return String(String.UnicodeScalarView(plain.unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) }))
    }

    private static func stripped(_ key: String, _ prefixes: [String]) -> String {
        for prefix in prefixes where key.hasPrefix(prefix) && key.count > prefix.count { return String(key.dropFirst(prefix.count)) }
        return key
    }
}
