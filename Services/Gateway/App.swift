import ServiceKit

@main
struct GatewayApp {
    static func main() async {
        await ServiceMain.run(.gateway)
    }
}
