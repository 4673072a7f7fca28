@testable import Checkout
import EventContracts
import Foundation
import ServiceKit
import Testing

/// A checkout page's rules that need no database: what staff may build, and how buyers'
/// answers are checked.
@Suite("Checkout pages: rules")
struct PageRulesTests {
    private func fields(_ draft: PageDraft) -> Set<String> {
        do { _ = try draft.applied(to: nil); return [] } catch let problem as Problem { return Set(problem.errors.map(\.field)) } catch { return ["?"] }
    }

    @Test("a page draft names every wrong member, limits included, and keeps origins as origins")
    func drafts() throws {
        var draft = PageDraft(slug: "tet-gifts", title: "Tết gifts")
        #expect(fields(draft).isEmpty)
        draft.quantity = QuantityLimits(min: 5, max: 2)
        #expect(fields(draft) == ["quantity.max"])
        draft.quantity = QuantityLimits(min: 2000, max: 1)
        #expect(fields(draft) == ["quantity.min", "quantity.max"])
        draft.quantity = nil
        draft.options = [.init(variantId: "nope", label: ""), .init(variantId: UUID().uuidString, label: "Tin")]
        draft.fields = [CustomField(key: "note", label: "Note", type: .text, required: false),
                        CustomField(key: "note", label: "Again", type: .checkbox, required: false, choices: ["x"])]
        draft.embedOrigins = ["https://Shop.Example:8443", "https://shop.example/page", "ftp://shop.example"]
        draft.successUrl = "javascript:alert(1)"
        #expect(fields(draft) == ["options[0].label", "options[0].variant_id", "fields[1].key", "fields[1].choices",
                                  "embed_origins[1]", "embed_origins[2]", "success_url"])
        draft = PageDraft(slug: "a", title: "A", embedOrigins: ["https://Shop.Example:8443", "http://localhost:3000"])
        #expect(try draft.applied(to: nil).content.embedOrigins == ["https://shop.example:8443", "http://localhost:3000"])
    }

    @Test("answers are checked against their field's type, in the page's order; required ones, ticks and unknown keys are named")
    func answers() throws {
        let questions = [
            CustomField(key: "delivery_date", label: "Deliver on", type: .date, required: true),
            CustomField(key: "guests", label: "Guests", type: .number, required: false),
            CustomField(key: "email", label: "Invoice to", type: .email, required: false),
            CustomField(key: "wrapping", label: "Wrapping", type: .select, required: false, choices: ["paper", "silk"]),
            CustomField(key: "terms", label: "I agree", type: .checkbox, required: true),
        ]
        let kept = try CustomField.answers(["terms": .flag(true), "wrapping": .text("silk"), "guests": .number(12), "delivery_date": .text("2028-02-29")],
                                           to: questions)
        #expect(kept.map(\.key) == ["delivery_date", "guests", "wrapping", "terms"])
        #expect(kept.map(\.value) == ["2028-02-29", "12", "silk", "true"])
        do {
            _ = try CustomField.answers(["delivery_date": .text("2027-02-29"), "guests": .text("many"), "email": .text("x@"),
                                         "wrapping": .text("gold"), "terms": .flag(false), "colour": .text("red")], to: questions)
            Issue.record("bad answers accepted")
        } catch let problem as Problem {
            #expect(problem.errors.map(\.field) == ["answers.colour", "answers.delivery_date", "answers.guests", "answers.email",
                                                    "answers.wrapping", "answers.terms"])
        }
        do {
            _ = try CustomField.answers(["delivery_date": .text("  ")], to: questions)
            Issue.record("missing required answers accepted")
        } catch let problem as Problem {
            #expect(problem.errors.map(\.field) == ["answers.delivery_date", "answers.terms"])
        }
    }
}
