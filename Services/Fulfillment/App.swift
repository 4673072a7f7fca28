import ServiceKit

@main
struct FulfillmentApp {
    static func main() async {
        await ServiceMain.run(.fulfillment)
    }
}
