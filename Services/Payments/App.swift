import ServiceKit

@main
struct PaymentsApp {
    static func main() async {
        await ServiceMain.run(.payments)
    }
}
