import ServiceKit

@main
struct CheckoutApp {
    static func main() async {
        await ServiceMain.run(.checkout)
    }
}
