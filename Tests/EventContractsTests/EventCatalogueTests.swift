import EventContracts
import Foundation
import Testing

@Suite("Event catalogue")
struct EventCatalogueTests {
    static let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/events.md")

    @Test("docs/events.md names every event type, under the topic it travels on, and no type twice in the code")
    func documented() throws {
        let text = try String(contentsOf: Self.document, encoding: .utf8)
        #expect(Set(EventCatalogue.allTypes).count == EventCatalogue.allTypes.count)
        for (topic, types) in EventCatalogue.byTopic {
            for type in types.map({ $0.eventType }) where type != "shop.probe.sent.v1" {
                guard let section = text.range(of: "## `\(topic)`") else {
                    Issue.record("docs/events.md has no section for \(topic)")
                    continue
                }
                let rest = text[section.upperBound...]
                let end = rest.range(of: "\n## ")?.lowerBound ?? rest.endIndex
                #expect(rest[..<end].contains("`\(type)`"), "\(type) is described under \(topic)")
            }
        }
        #expect(text.contains("`shop.probe.sent.v1`"))
    }
}
