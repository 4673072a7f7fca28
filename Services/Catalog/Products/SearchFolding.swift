/// Search that does not care about accents: Vietnamese shoppers often type "ca phe" for
/// "cà phê". Product text and queries are both lower-cased and folded to base letters with
/// PostgreSQL's `translate` (immutable, so a generated column can use it; no extension needed).
enum SearchFolding {
    static let accented = "àáảãạăằắẳẵặâầấẩẫậäèéẻẽẹêềếểễệëìíỉĩịîïòóỏõọôồốổỗộơờớởỡợöùúủũụưừứửữựûüỳýỷỹỵÿđçñ"
    static let plain = "aaaaaaaaaaaaaaaaaaeeeeeeeeeeeeiiiiiiioooooooooooooooooouuuuuuuuuuuuuyyyyyydcn"

    /// `expression` folded, as SQL.
    static func sql(_ expression: String) -> String {
        "translate(lower(\(expression)), '\(accented)', '\(plain)')"
    }
}
