import Foundation
#if canImport(Glibc)
import Glibc
#endif
import ServiceKit

/// Keeps merchant webhooks from being aimed inside the shop's own network: a URL whose host
/// resolves to a loopback, private, link-local, carrier-grade NAT, multicast or unspecified
/// address is refused, unless configuration allows it (`WEBHOOK_ALLOW_PRIVATE_URLS`, for
/// tests and single-machine set-ups). Checked when an endpoint is registered and again before
/// every delivery (a name can resolve elsewhere later); redirects are never followed.
struct DestinationGuard: Sendable {
    let allowPrivate: Bool

    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    /// Throws a ``Refusal`` saying why `url` may not receive webhooks. The name is resolved
    /// on a thread of its own, so a slow DNS server never holds the service's async threads.
    func check(_ url: URL) async throws {
        guard let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http" else {
            throw Refusal(description: "must be an http or https URL")
        }
        guard let host = url.host, !host.isEmpty else { throw Refusal(description: "must name a host") }
        guard url.user == nil, url.password == nil else { throw Refusal(description: "must not carry credentials") }
        guard !allowPrivate else { return }
        let addresses: [String] = try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try Self.resolve(host) }) }.start()
        }
        guard !addresses.isEmpty else { throw Refusal(description: "host \(host) does not resolve") }
        if let inside = addresses.first(where: Self.isInternal) {
            throw Refusal(description: "points at a loopback, private or link-local address (\(inside))")
        }
    }

    /// The IPv4 and IPv6 addresses `host` resolves to, as text.
    static func resolve(_ host: String) throws -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let trimmed = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        guard getaddrinfo(trimmed, nil, &hints, &result) == 0, let first = result else {
            throw Refusal(description: "host \(host) does not resolve")
        }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(info.pointee.ai_addr, info.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                addresses.append(String(cString: buffer))
            }
            cursor = info.pointee.ai_next
        }
        return addresses
    }

    /// Whether `address` (numeric IPv4 or IPv6 text) is one the shop's own machines use.
    static func isInternal(_ address: String) -> Bool {
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 {
            return isInternal(v4: UInt32(bigEndian: v4.s_addr))
        }
        var v6 = in6_addr()
        let text = address.split(separator: "%").first.map(String.init) ?? address
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return true }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return isInternal(v4: bytes[12..<16].reduce(0) { $0 << 8 | UInt32($1) })
        }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) { return true }          // :: and ::1
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return true }    // fe80::/10 link-local
        if bytes[0] & 0xFE == 0xFC { return true }                         // fc00::/7 unique local
        if bytes[0] == 0xFF { return true }                                // multicast
        return false
    }

    private static func isInternal(v4 address: UInt32) -> Bool {
        func within(_ network: UInt32, _ bits: UInt32) -> Bool { address >> (32 - bits) == network >> (32 - bits) }
        return within(0x0000_0000, 8) || within(0x0A00_0000, 8) || within(0x7F00_0000, 8) || within(0x6440_0000, 10)
            || within(0xA9FE_0000, 16) || within(0xAC10_0000, 12) || within(0xC0A8_0000, 16) || within(0xC000_0000, 24)
            || within(0xE000_0000, 4) || within(0xF000_0000, 4)
    }
}
