import HTTPTypes

/// The address of the client behind a request, for rate limits and logs. A request that
/// comes straight from a client is its connection's peer. Behind a load balancer the peer is
/// the balancer, and the client is named in `Forwarded` (RFC 7239, `for=`) or
/// `X-Forwarded-For`: those are believed only from `trustedProxies` (default: none), since a
/// client can send them too. Each proxy appends the address it got the request from, so the
/// client is the rightmost address that is not one of the trusted proxies; anything a client
/// wrote further left is ignored.
struct ClientAddress: Sendable {
    let trustedProxies: Set<String>

    static let forwarded = HTTPField.Name("Forwarded")!
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    func of(_ headers: HTTPFields, peer: String?) -> String {
        guard let peer else { return "unknown" }
        guard trustedProxies.contains(peer) else { return peer }
        let chain = Self.forwardedChain(headers)
        return chain.reversed().first { !trustedProxies.contains($0) } ?? peer
    }

    /// The addresses `Forwarded` (its `for=` parameters) or else `X-Forwarded-For` name, in
    /// order, without ports, IPv6 brackets or quotes; obfuscated and unknown ones dropped.
    static func forwardedChain(_ headers: HTTPFields) -> [String] {
        let forwardedValues = headers[values: forwarded]
        if !forwardedValues.isEmpty {
            return forwardedValues.flatMap { $0.split(separator: ",") }.compactMap { element in
                element.split(separator: ";").lazy.map { $0.trimmingCharacters(in: .whitespaces) }
                    .first { $0.lowercased().hasPrefix("for=") }
                    .flatMap { address(String($0.dropFirst(4))) }
            }
        }
        return headers[values: forwardedFor].flatMap { $0.split(separator: ",") }.compactMap { address(String($0)) }
    }

    /// An address as it appears in a header: `"[2001:db8::1]:4711"` → `2001:db8::1`,
    /// `192.0.2.60:8080` → `192.0.2.60`; nil for `unknown` and obfuscated names (`_hidden`).
    static func address(_ raw: String) -> String? {
        var text = raw.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = String(text.dropFirst().dropLast()) }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            text = String(text[text.index(after: text.startIndex)..<close])
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            text = String(text[..<colon])
        }
        guard !text.isEmpty, text.lowercased() != "unknown", !text.hasPrefix("_"),
              text.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == ":" }) else { return nil }
        return text
    }
}
