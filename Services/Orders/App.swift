import ServiceKit

@main
struct OrdersApp {
    static func main() async {
        await ServiceMain.run(.orders)
    }
}
