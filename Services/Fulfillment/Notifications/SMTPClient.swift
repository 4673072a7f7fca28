import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Sends one message per connection to an SMTP server (RFC 5321): greeting, `EHLO`,
/// `STARTTLS` when asked for (or TLS from the first byte), `AUTH PLAIN` when a user name is
/// configured, `MAIL FROM`, `RCPT TO`, `DATA` with dot-stuffing, `QUIT`. Every step runs
/// under one deadline. The password is never logged.
struct SMTPClient: Sendable {
    /// How the connection is protected.
    enum Security: String, Sendable, CaseIterable {
        /// Plain text (a local relay or a test sink).
        case none
        /// Plain first, then `STARTTLS` before anything private is said (port 587).
        case starttls
        /// TLS from the first byte (port 465).
        case tls
    }

    struct Settings: Sendable {
        var host: String
        var port: Int
        var security: Security
        var username: String
        var password: String
        /// The name this client gives in `EHLO`.
        var heloName: String
        var timeout: Duration
        /// A PEM file of certificates trusted besides the system's (a private relay's CA).
        var extraTrustRoots: String? = nil
    }

    /// A reply the server gave where another was expected.
    struct Refusal: Error, CustomStringConvertible {
        let step: String
        let code: Int
        let text: String
        /// 5xx: the server will refuse this message again; 4xx and broken connections may pass later.
        var isPermanent: Bool { (500..<600).contains(code) }
        var description: String { "\(step): \(code) \(text)" }
    }

    struct ConnectionLost: Error, CustomStringConvertible {
        let step: String
        var description: String { "the SMTP server closed the connection during \(step)" }
    }

    struct TimedOut: Error, CustomStringConvertible {
        var description: String { "the SMTP exchange took longer than its deadline" }
    }

    let settings: Settings

    func send(_ message: MailMessage, logger: Logger) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await exchange(message, logger: logger) }
            group.addTask {
                try await Task.sleep(for: settings.timeout)
                throw TimedOut()
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    private func tlsContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let roots = settings.extraTrustRoots { configuration.additionalTrustRoots = [.file(roots)] }
        return try NIOSSLContext(configuration: configuration)
    }

    private func tlsHandler() throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(context: try tlsContext(), serverHostname: settings.host)
    }

    private func exchange(_ message: MailMessage, logger: Logger) async throws {
        let tls = settings.security == .tls ? try tlsContext() : nil
        let host = settings.host
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: host)) }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(ReplyLineDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var lines = inbound.makeAsyncIterator()
            func reply(_ step: String, expecting expected: ClosedRange<Int>) async throws -> [String] {
                var texts: [String] = []
                while true {
                    guard var line = try await lines.next() else { throw ConnectionLost(step: step) }
                    let text = line.readString(length: line.readableBytes) ?? ""
                    guard text.utf8.count >= 3, let code = Int(text.prefix(3)) else {
                        throw Refusal(step: step, code: 0, text: "unreadable reply \(text.prefix(80))")
                    }
                    texts.append(String(text.dropFirst(4)))
                    if text.utf8.count > 3, text.utf8[text.utf8.index(text.utf8.startIndex, offsetBy: 3)] == UInt8(ascii: "-") { continue }
                    guard expected.contains(code) else { throw Refusal(step: step, code: code, text: texts.joined(separator: " ")) }
                    return texts
                }
            }
            func say(_ command: String, step: String, expecting expected: ClosedRange<Int>) async throws -> [String] {
                try await outbound.write(ByteBuffer(string: command + "\r\n"))
                return try await reply(step, expecting: expected)
            }
            _ = try await reply("greeting", expecting: 220...220)
            var capabilities = try await say("EHLO \(settings.heloName)", step: "EHLO", expecting: 250...250)
            if settings.security == .starttls {
                guard capabilities.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) else {
                    throw Refusal(step: "STARTTLS", code: 0, text: "the server does not offer STARTTLS")
                }
                _ = try await say("STARTTLS", step: "STARTTLS", expecting: 220...220)
                try await channel.channel.pipeline.addHandler(try tlsHandler(), position: .first).get()
                capabilities = try await say("EHLO \(settings.heloName)", step: "EHLO after STARTTLS", expecting: 250...250)
            }
            if !settings.username.isEmpty {
                guard settings.security != .none else {
                    throw Refusal(step: "AUTH", code: 0, text: "refusing to send a password without TLS (SMTP_SECURITY=none)")
                }
                let credentials = Data("\u{0}\(settings.username)\u{0}\(settings.password)".utf8).base64EncodedString()
                _ = try await say("AUTH PLAIN \(credentials)", step: "AUTH", expecting: 235...235)
            }
            _ = try await say("MAIL FROM:<\(message.from.address)>", step: "MAIL FROM", expecting: 250...250)
            _ = try await say("RCPT TO:<\(message.to.address)>", step: "RCPT TO", expecting: 250...251)
            _ = try await say("DATA", step: "DATA", expecting: 354...354)
            try await outbound.write(ByteBuffer(string: message.dataSection()))
            _ = try await reply("message", expecting: 250...250)
            try? await outbound.write(ByteBuffer(string: "QUIT\r\n"))
            _ = try? await reply("QUIT", expecting: 221...221)
            logger.debug("email handed over", metadata: ["smtp.host": "\(settings.host)", "email.message_id": "\(message.messageId)"])
        }
    }
}

/// Splits what the server says into lines (without their CR LF); a line longer than 64 KiB
/// is an error (RFC 5321 allows 512 bytes).
struct ReplyLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > 65_536 { throw SMTPClient.Refusal(step: "reply", code: 0, text: "reply line too long") }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex
        var line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        if line.readableBytesView.last == UInt8(ascii: "\r") { line = line.getSlice(at: line.readerIndex, length: line.readableBytes - 1)! }
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }
}
