import HTTPTypes
import Testing
@testable import Gateway

/// Whose address rate limits and logs use: the peer's, or behind a trusted load balancer the
/// client it forwards, never what a client wrote itself.
@Suite("Gateway: the client's address behind load balancers")
struct ClientAddressTests {
    let balancer = "10.0.0.5"

    func headers(_ pairs: [(String, String)]) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in pairs { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        return fields
    }

    @Test("without trusted proxies (the default) forwarding headers are ignored: a client cannot pick its own address")
    func untrusted() {
        let clients = ClientAddress(trustedProxies: [])
        #expect(clients.of(headers([("X-Forwarded-For", "1.2.3.4")]), peer: "203.0.113.9") == "203.0.113.9")
        #expect(clients.of(headers([("Forwarded", "for=1.2.3.4")]), peer: "203.0.113.9") == "203.0.113.9")
        #expect(clients.of(headers([]), peer: nil) == "unknown")
    }

    @Test("from a trusted balancer the client is the rightmost address it does not trust; what the client prepended is ignored")
    func trusted() {
        let clients = ClientAddress(trustedProxies: [balancer, "10.0.0.6"])
        #expect(clients.of(headers([("X-Forwarded-For", "198.51.100.7")]), peer: balancer) == "198.51.100.7")
        #expect(clients.of(headers([("X-Forwarded-For", "6.6.6.6, 198.51.100.7")]), peer: balancer) == "198.51.100.7",
                "a spoofed first entry does not win")
        #expect(clients.of(headers([("X-Forwarded-For", "198.51.100.7, 10.0.0.6")]), peer: balancer) == "198.51.100.7",
                "through two trusted hops")
        #expect(clients.of(headers([("X-Forwarded-For", "198.51.100.7"), ("X-Forwarded-For", "10.0.0.6")]), peer: balancer) == "198.51.100.7")
        #expect(clients.of(headers([]), peer: balancer) == balancer, "nothing forwarded: the balancer itself")
        #expect(clients.of(headers([("X-Forwarded-For", "not an address")]), peer: balancer) == balancer)
    }

    @Test("RFC 7239 Forwarded: for= with ports, IPv6 in brackets and quotes; obfuscated and unknown names skipped; it wins over X-Forwarded-For")
    func forwarded() {
        let clients = ClientAddress(trustedProxies: [balancer])
        #expect(clients.of(headers([("Forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43")]), peer: balancer) == "192.0.2.60")
        #expect(clients.of(headers([("Forwarded", "for=\"[2001:db8:cafe::17]:4711\"")]), peer: balancer) == "2001:db8:cafe::17")
        #expect(clients.of(headers([("Forwarded", "for=192.0.2.43:8080, for=_hidden")]), peer: balancer) == "192.0.2.43")
        #expect(clients.of(headers([("Forwarded", "for=unknown")]), peer: balancer) == balancer)
        #expect(clients.of(headers([("Forwarded", "For=192.0.2.1"), ("X-Forwarded-For", "6.6.6.6")]), peer: balancer) == "192.0.2.1")
    }
}
