/// The categories a new store starts with, in its language, for its staff to rename, fill or
/// remove: most shops group what is new, what sells and what is on sale.
enum StarterCategories {
    static func named(in language: String) -> [(slug: String, name: String)] {
        language == "vi"
            ? [("hang-moi", "Hàng mới về"), ("ban-chay", "Bán chạy"), ("khuyen-mai", "Khuyến mãi")]
            : [("new-arrivals", "New arrivals"), ("best-sellers", "Best sellers"), ("sale", "Sale")]
    }
}
