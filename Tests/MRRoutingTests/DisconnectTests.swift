import Foundation
import MRTestSupport
import Testing

/// A client that leaves mid-stream cancels the upstream transfer: the router closes its upstream connection
/// as soon as it finds the client gone (at the next chunk it tries to pass on).
@Suite struct DisconnectTests {
    @Test func aClientLeavingMidStreamClosesTheUpstreamConnection() async throws {
        let upstream = try DrippingUpstream.start()
        defer { upstream.stop() }
        let app = try await DrippingUpstream.application(routingTo: upstream)
        let client = try RawHTTPConnection(port: app.port)
        try await client.send(
            "GET /api/chat/stream?model=drip/model&message=hi HTTP/1.1\r\nHost: x\r\nX-API-Key: \(TestApplication.adminKey)\r\n\r\n"
        )
        let start = try await client.read(until: "event: token")
        #expect(start.contains("200 OK"))
        client.close()
        try await upstream.waitForPeerClose(timeout: .seconds(5))
        await app.stop()
    }
}
