import Foundation
import MRConfig
import MRTestSupport
import Testing

/// A client that leaves mid-stream cancels the upstream transfer: the router closes its upstream connection
/// as soon as it finds the client gone (at the next chunk it tries to pass on).
@Suite struct DisconnectTests {
    @Test func aClientLeavingMidStreamClosesTheUpstreamConnection() async throws {
        let upstream = try ScriptedTCPServer { connection in
            _ = try connection.readRequest()
            try connection.writeChunkedHead(headers: [("Content-Type", "text/event-stream")])
            for index in 0..<400 {  // about 20 s of tokens unless the router hangs up
                try connection.writeChunk(
                    #"data: {"choices":[{"index":0,"delta":{"content":"t\#(index) "}}]}"# + "\n\n")
                try connection.pause(.milliseconds(50))
            }
        }
        defer { upstream.stop() }
        let app = try await TestApplication { config in
            config.providers = [
                ProviderConfig(
                    id: "drip", type: .openai, baseURL: upstream.baseURL + "/v1", discover: false, probe: false,
                    models: [ModelOverride(id: "drip/model", capabilities: [.chat])])
            ]
        }
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
