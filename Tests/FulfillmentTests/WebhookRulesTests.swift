import Foundation
@testable import Fulfillment
import ServiceKit
import Testing

@Suite("Merchant webhook rules: destinations, secrets, registrations")
struct WebhookRulesTests {
    @Test("loopback, private, link-local, carrier-grade NAT, multicast and unspecified addresses are internal; public ones are not")
    func internalAddresses() {
        for address in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1",
                        "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fd00::1", "fc12::3", "ff02::1",
                        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "not an address"] {
            #expect(DestinationGuard.isInternal(address), "\(address) is internal")
        }
        for address in ["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "192.169.0.1", "2001:4860:4860::8888", "::ffff:8.8.8.8"] {
            #expect(!DestinationGuard.isInternal(address), "\(address) is public")
        }
    }

    @Test("URLs to this machine are refused unless allowed; other schemes and credentials are refused always")
    func destinations() async throws {
        let strict = DestinationGuard(allowPrivate: false)
        for url in ["http://127.0.0.1:9000/hook", "http://localhost/hook", "https://[::1]/hook", "http://169.254.169.254/latest/meta-data",
                    "http://10.0.0.5/x", "ftp://example.com/x", "file:///etc/passwd", "https://user:pass@example.com/x"] {
            await #expect(throws: DestinationGuard.Refusal.self, "\(url) refused") { try await strict.check(URL(string: url)!) }
        }
        let loose = DestinationGuard(allowPrivate: true)
        try await loose.check(URL(string: "http://127.0.0.1:9000/hook")!)
        await #expect(throws: DestinationGuard.Refusal.self) { try await loose.check(URL(string: "gopher://127.0.0.1/")!) }
    }

    @Test("secrets are whsec_ + base64 of 24 to 64 bytes; new ones are; signatures follow the Standard Webhooks example")
    func secrets() throws {
        #expect(WebhookSignature(secret: WebhookSignature.newSecret()) != nil)
        #expect(WebhookSignature(secret: "whsec_" + Data(count: 16).base64EncodedString()) == nil, "too short")
        #expect(WebhookSignature(secret: "not-a-secret") == nil)
        // The specification's published example (standard-webhooks/spec, "Verifying webhooks").
        let signature = try #require(WebhookSignature(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        #expect(signature.sign(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330,
                               body: Data(#"{"test": 2432232314}"#.utf8)) == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test("a registration names each bad field: URL, event types, secret")
    func registrations() async throws {
        let registration = EndpointRegistration(url: "http://127.0.0.1/hook", eventTypes: ["shop.identity.password_reset.requested.v1", "nope"],
                                                secret: "plain", description: nil)
        do {
            _ = try await registration.validated(by: DestinationGuard(allowPrivate: false))
            Issue.record("refused")
        } catch let problem as Problem {
            let fields = problem.errors.map(\.field)
            #expect(fields.contains("url") && fields.filter { $0 == "event_types" }.count == 2 && fields.contains("secret"), "\(fields)")
        }
        let fine = EndpointRegistration(url: "http://127.0.0.1/hook", eventTypes: ["shop.fulfillment.shipment.shipped.v1"], secret: nil, description: " ")
        let (_, types, secret, description) = try await fine.validated(by: DestinationGuard(allowPrivate: true))
        #expect(types == ["shop.fulfillment.shipment.shipped.v1"] && secret.hasPrefix("whsec_") && description == nil)
    }
}
