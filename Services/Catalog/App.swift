import ServiceKit

@main
struct CatalogApp {
    static func main() async {
        await ServiceMain.run(.catalog)
    }
}
