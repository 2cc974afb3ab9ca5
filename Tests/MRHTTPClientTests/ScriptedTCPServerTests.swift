import MRHTTPClient
import MRTestSupport
import Testing

/// The scripted server's own guarantees: waits end, events replay, stop never hangs.
@Suite struct ScriptedTCPServerTests {
    @Test func waitUntilTimesOutInsteadOfHanging() async throws {
        let server = try ScriptedTCPServer { _ in }
        defer { server.stop() }
        await #expect(throws: ScriptedTCPServerError.timedOut) {
            try await server.waitUntil(timeout: .milliseconds(100)) { $0.acceptedConnections > 0 }
        }
    }

    @Test func eventsReplayThePastAndFinishOnStop() async throws {
        let server = try ScriptedTCPServer.answering { _ in ScriptedResponse(body: "ok") }
        let client = HTTPClient()
        defer { client.shutdown() }
        _ = try await client.execute(HTTPClientRequest(url: server.baseURL + "/e")).body.collect(upTo: 10)
        try await server.waitForRequests()

        let events = server.events()
        server.stop()
        var seen: [ScriptedTCPServer.Event] = []
        for await event in events { seen.append(event) }
        #expect(seen.first == .accepted(connection: 0))
        #expect(seen.contains(.request(connection: 0, index: 0)))
        #expect(server.requests.first?.target == "/e")
    }

    @Test func stopUnblocksStalledPausedAndBlockedScripts() async throws {
        let server = try ScriptedTCPServer { connection in
            _ = try connection.readRequest()
            switch connection.id % 3 {
            case 0: connection.stall()
            case 1: try connection.pause(.seconds(60))
            default:
                // The client never reads this much: send blocks until stop shuts the socket down.
                try connection.writeHead(contentLength: 1 << 30)
                let block = [UInt8](repeating: 0, count: 1 << 20)
                while true { try connection.write(block) }
            }
        }
        let client = HTTPClient(configuration: .init(bodyBufferHighWaterMark: 1024))
        defer { client.shutdown() }
        var responses: [Task<Void, any Error>] = []
        for _ in 0..<3 {
            responses.append(Task { _ = try await client.execute(HTTPClientRequest(url: server.baseURL)) })
        }
        try await server.waitForRequests(count: 3)

        let elapsed = try await ContinuousClock().measure {
            server.stop()
            try await server.waitForConnectionsClosed(count: 3)
        }
        #expect(elapsed < .seconds(30))  // a hang guard, not a timing: the machine may be busy
        #expect(server.snapshot.scriptFailures.isEmpty)
        for task in responses { task.cancel() }
    }
}
