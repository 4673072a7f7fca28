import EventContracts
import Foundation
@testable import Orders
import Testing

/// The orders CSV: cells a spreadsheet reads as written, never as formulas.
@Suite("Orders: the CSV export")
struct OrderExportTests {
    @Test("every cell is quoted, so no separator splits one; text a spreadsheet would run as a formula is defused; numbers stay numbers")
    func cells() {
        #expect(OrderExport.cell("Sen Việt") == "\"Sen Việt\"")
        #expect(OrderExport.cell("12 Lý Thái Tổ, Hoàn Kiếm") == "\"12 Lý Thái Tổ, Hoàn Kiếm\"")
        #expect(OrderExport.cell("Nguyễn;=HYPERLINK(1)") == "\"Nguyễn;=HYPERLINK(1)\"", "one cell even where spreadsheets split on ;")
        #expect(OrderExport.cell("say \"hi\"\nthere") == "\"say \"\"hi\"\"\nthere\"")
        #expect(OrderExport.cell("=HYPERLINK(\"http://x\")") == "\"'=HYPERLINK(\"\"http://x\"\")\"")
        #expect(OrderExport.cell("+84912345678") == "\"+84912345678\"", "a phone number is a number, not a formula")
        #expect(OrderExport.cell("@SUM(A1)") == "\"'@SUM(A1)\"")
        #expect(OrderExport.cell("-1.5") == "\"-1.5\"" && OrderExport.cell("-") == "\"'-\"" && OrderExport.cell("-1-1") == "\"'-1-1\"")
    }
}
