import AsyncHTTPClient
import Glibc
@testable import Gateway
import NIOCore
import Testing

/// Which upstream failures the forwarder may send again whatever the method: only those where
/// the request never left (no connection was made or handed out).
@Suite("Gateway: what counts as a request never sent")
struct ForwarderRetryTests {
    @Test("a refused connection, a connect timeout and a pool that gave no connection in time sent nothing; a read timeout or a closed connection may have")
    func neverConnected() {
        #expect(Forwarder.neverConnected(IOError(errnoCode: ECONNREFUSED, reason: "connect")))
        #expect(Forwarder.neverConnected(HTTPClientError.connectTimeout))
        #expect(Forwarder.neverConnected(HTTPClientError.getConnectionFromPoolTimeout))
        #expect(!Forwarder.neverConnected(HTTPClientError.readTimeout))
        #expect(!Forwarder.neverConnected(HTTPClientError.remoteConnectionClosed))
    }
}
