import EventContracts
import Foundation
import ServiceKit

/// Carrier, tracking number and tracking URL as staff enter them: trimmed, empty meaning
/// "not given", each field checked and named when wrong.
struct TrackingInput: Decodable, Sendable {
    var carrier: String?
    var trackingNumber: String?
    var trackingUrl: String?

    var isEmpty: Bool { carrier == nil && trackingNumber == nil && trackingUrl == nil }

    func validated() throws -> TrackingInput {
        var errors: [Problem.FieldError] = []
        func text(_ value: String?, _ field: String, max: Int) -> String? {
            guard let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
            if trimmed.count > max || trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                errors.append(.init(field: field, message: "must be at most \(max) characters without control characters"))
            }
            return trimmed
        }
        let carrier = text(carrier, "carrier", max: 100)
        let number = text(trackingNumber, "tracking_number", max: 100)
        let url = text(trackingUrl, "tracking_url", max: 2000)
        if let url {
            let parsed = URLComponents(string: url)
            if !["http", "https"].contains(parsed?.scheme?.lowercased() ?? "") || (parsed?.host ?? "").isEmpty {
                errors.append(.init(field: "tracking_url", message: "must be an http or https URL"))
            }
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return TrackingInput(carrier: carrier, trackingNumber: number, trackingUrl: url)
    }
}

/// Which goods to split off a pending shipment into a new one.
struct SplitRequest: Decodable, Sendable {
    struct Line: Decodable, Sendable {
        var variantId: String
        var quantity: Int
    }
    var lines: [Line]

    /// The lines by variant, each named when wrong.
    func validated() throws -> [UUID: Int] {
        var errors: [Problem.FieldError] = []
        var result: [UUID: Int] = [:]
        if lines.isEmpty || lines.count > 100 { errors.append(.init(field: "lines", message: "must list 1 to 100 lines")) }
        for (index, line) in lines.prefix(100).enumerated() {
            guard let id = UUID(uuidString: line.variantId) else {
                errors.append(.init(field: "lines[\(index)].variant_id", message: "must be a UUID"))
                continue
            }
            guard (1...100_000).contains(line.quantity) else {
                errors.append(.init(field: "lines[\(index)].quantity", message: "must be from 1 to 100000"))
                continue
            }
            if result[id] != nil { errors.append(.init(field: "lines[\(index)].variant_id", message: "is listed twice")) }
            result[id] = line.quantity
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return result
    }
}
