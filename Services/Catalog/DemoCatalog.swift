import Foundation
import Money
import Persistence
import ServiceKit

/// A demo shop a new user can browse right away (`LOAD_DEMO_CATALOG=true`, which `./suite up`
/// sets): 6 categories and 60 published products in VND, many with size or colour
/// variants, a few sold out. Loaded once, when the catalog has no products, before the catalog
/// reports ready; a second replica that races it loses on the unique slugs and goes on. The
/// demo shop is the original store's.
struct DemoCatalog: Sendable {
    let environment: ServiceEnvironment
    let catalog: ProductStore

    static let categories: [(slug: String, name: String, items: [String])] = [
        ("ao", "Áo · Tops", ["Áo thun cotton", "Áo sơ mi linen", "Áo polo", "Áo khoác gió", "Áo len cổ lọ", "Áo hoodie", "Áo blouse lụa", "Áo tank top", "Áo cardigan", "Áo dài cách tân"]),
        ("quan", "Quần · Bottoms", ["Quần jeans slim", "Quần kaki", "Quần short", "Quần tây", "Quần jogger", "Chân váy midi", "Quần culottes", "Quần linen", "Quần yếm", "Váy xếp ly"]),
        ("giay", "Giày · Shoes", ["Giày sneaker trắng", "Giày lười da", "Sandal quai ngang", "Giày chạy bộ", "Dép tổ ong", "Bốt cổ ngắn", "Giày cao gót", "Giày vải canvas", "Giày tây", "Dép kẹp"]),
        ("phu-kien", "Phụ kiện · Accessories", ["Nón lá", "Mũ lưỡi trai", "Túi tote vải", "Ví da", "Thắt lưng da", "Khăn lụa", "Kính râm", "Balo laptop", "Tất cổ cao", "Đồng hồ dây da"]),
        ("nha-cua", "Nhà cửa · Home", ["Cốc gốm Bát Tràng", "Ấm trà", "Gối tựa", "Nến thơm", "Khăn tắm", "Bình hoa", "Đèn ngủ", "Thảm cói", "Hộp đựng đồ", "Chăn mỏng"]),
        ("ca-phe", "Cà phê · Coffee", ["Cà phê Robusta rang xay", "Cà phê Arabica Cầu Đất", "Phin nhôm", "Cà phê hạt Culi", "Cà phê muối", "Trà Shan tuyết", "Cà phê chồn", "Ca cao Bến Tre", "Phin inox", "Bộ quà tặng cà phê"]),
    ]

    func load() async {
        await StoreScope.run(for: .original) { await loadIntoOriginalStore() }
    }

    private func loadIntoOriginalStore() async {
        let logger = environment.logger
        do {
            let existing = try await environment.database.client.query("SELECT count(*)::int8 FROM products", logger: logger)
            var count = 0
            for try await value in existing.decode(Int.self) { count = value }
            guard count == 0 else { return }
            for (categoryIndex, category) in Self.categories.enumerated() {
                let created = try await catalog.createCategory(slug: category.slug, name: category.name, parent: nil, logger: logger)
                for (index, title) in category.items.enumerated() {
                    let number = categoryIndex * 10 + index + 1
                    let id = try await catalog.create(
                        ProductStore.ProductFields(
                            slug: "\(category.slug)-\(index + 1)-\(Self.slug(title))", title: title,
                            description: "\(title): hàng mẫu của cửa hàng demo. Demo product number \(number).",
                            imageUrls: ["https://images.example.com/demo/\(number).jpg"], categoryId: UUID(uuidString: created.id)),
                        variants: Self.variants(number: number, category: categoryIndex),
                        staffId: nil, correlationId: "demo-catalog", logger: logger)
                    _ = try await catalog.setStatus(id, to: "published", correlationId: "demo-catalog", logger: logger)
                }
            }
            logger.info("demo catalog loaded", metadata: ["products": "60"])
        } catch {
            logger.warning("demo catalog not loaded (another replica may have loaded it)", metadata: ["error": "\(error)"])
        }
    }

    /// 1 to 3 variants: sizes for clothes and shoes, colours or weights otherwise. Every
    /// ninth product is sold out.
    static func variants(number: Int, category: Int) -> [ProductStore.NewVariant] {
        let base = Int64(49_000 + (number * 37_000) % 900_000)
        let soldOut = number % 9 == 0
        let choices: [(String, [String: String])]
        switch category {
        case 0, 1: choices = [("S", ["size": "S"]), ("M", ["size": "M"]), ("L", ["size": "L"])].prefix(1 + number % 3).map { $0 }
        case 2: choices = [("40", ["size": "40"]), ("41", ["size": "41"]), ("42", ["size": "42"])].prefix(1 + number % 3).map { $0 }
        case 5: choices = [("250g", ["weight": "250g"]), ("500g", ["weight": "500g"])].prefix(1 + number % 2).map { $0 }
        default: choices = [("Đen", ["colour": "black"]), ("Trắng", ["colour": "white"])].prefix(1 + number % 2).map { $0 }
        }
        return choices.enumerated().map { index, choice in
            let price = Money(minorUnits: base + Int64(index) * 20_000, currency: .vnd)
            return ProductStore.NewVariant(
                sku: "DEMO-\(number)-\(index + 1)", title: choice.0, options: choice.1, price: price,
                compareAtPrice: number % 4 == 0 ? Money(minorUnits: price.minorUnits + 50_000, currency: .vnd) : nil,
                onHand: soldOut ? 0 : 5 + (number * 7 + index * 3) % 40)
        }
    }

    static func slug(_ title: String) -> String {
        let folded = title.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "vi"))
            .replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "d").lowercased()
        return folded.split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }.joined(separator: "-")
    }
}
