import MRHTTPClient
import MRTestSupport
import Testing

/// Connect failures, the four timeouts, cut and garbage responses: each must surface as its own error kind.
@Suite struct HTTPClientFailureTests {
    @Test func refusedConnectionIsConnectionFailed() async throws {
        let port = try ScriptedTCPServer.closedPort()
        let client = HTTPClient()
        defer { client.shutdown() }

        let error = await #expect(throws: HTTPClientError.connectionFailed) {
            try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/"))
        }
        #expect(error?.curlCode == 7)
        #expect(error?.description.isEmpty == false)
    }

    @Test func stallBeforeHeadersIsFirstByteTimeout() async throws {
        let server = try ScriptedTCPServer { connection in
            _ = try connection.readRequest()
            connection.stall()
        }
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }

        let timeouts = HTTPClientTimeouts(firstByte: .milliseconds(300), idle: .milliseconds(100), total: .seconds(5))
        let elapsed = try await ContinuousClock().measure {
            await #expect(throws: HTTPClientError.firstByteTimeout) {
                try await client.execute(HTTPClientRequest(url: server.baseURL, timeouts: timeouts))
            }
            try await server.waitForPeerClose()
        }
        #expect(elapsed < .seconds(4))
    }

    @Test func stallMidBodyIsIdleTimeout() async throws {
        let server = try ScriptedTCPServer { connection in
            _ = try connection.readRequest()
            try connection.writeHead(contentLength: 100)
            try connection.write(Array(repeating: 65, count: 10))
            connection.stall()
        }
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }

        let timeouts = HTTPClientTimeouts(firstByte: .seconds(5), idle: .milliseconds(300), total: .seconds(5))
        let response = try await client.execute(HTTPClientRequest(url: server.baseURL, timeouts: timeouts))
        #expect(response.status == 200)
        var received = 0
        let error = await #expect(throws: HTTPClientError.idleTimeout) {
            for try await chunk in response.body { received += chunk.count }
        }
        #expect(received == 10)
        #expect(error?.message.isEmpty == false)
        try await server.waitForPeerClose()
    }

    @Test func slowDripUnderIdleLimitHitsTotalTimeout() async throws {
        let server = try ScriptedTCPServer { connection in
            _ = try connection.readRequest()
            try connection.writeChunkedHead()
            while true {
                try connection.writeChunk("tick\n")
                try connection.pause(.milliseconds(40))
            }
        }
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }

        let timeouts = HTTPClientTimeouts(firstByte: .seconds(5), idle: .milliseconds(400), total: .milliseconds(700))
        let response = try await client.execute(HTTPClientRequest(url: server.baseURL, timeouts: timeouts))
        var chunks = 0
        await #expect(throws: HTTPClientError.totalTimeout) {
            for try await _ in response.body { chunks += 1 }
        }
        // Data arrived before the limit; how many reads it took depends on scheduling, so only its arrival is
        // checked (the thrown kind above is what proves the idle timer never fired).
        #expect(chunks >= 1)
        try await server.waitForPeerClose()
    }

    @Test func totalTimeoutBeforeTheHeadIsTotalTimeout() async throws {
        // Total timeout reached before any response: a total timeout, not a connect timeout.
        let server = try ScriptedTCPServer { connection in
            _ = try connection.readRequest()
            connection.stall()
        }
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }

        await #expect(throws: HTTPClientError.totalTimeout) {
            try await client.execute(
                HTTPClientRequest(url: server.baseURL, timeouts: HTTPClientTimeouts(total: .milliseconds(300))))
        }
    }

    @Test(arguments: [false, true])
    func bodyCutShortIsAnErrorNotAShortSuccess(chunked: Bool) async throws {
        let server = try ScriptedTCPServer { connection in
            _ = try connection.readRequest()
            if chunked {
                try connection.writeChunkedHead()
                try connection.writeChunk("partial data")
            } else {
                try connection.writeHead(contentLength: 1000)
                try connection.write("partial data")
            }
            connection.close()
        }
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }

        let response = try await client.execute(HTTPClientRequest(url: server.baseURL))
        var received: [UInt8] = []
        let error = await #expect(throws: HTTPClientError.connectionClosed) {
            for try await chunk in response.body { received += chunk }
        }
        #expect(received == Array("partial data".utf8))
        #expect(error?.curlCode == 18)
    }

    @Test func collectOfACutBodyThrows() async throws {
        let server = try ScriptedTCPServer { connection in
            _ = try connection.readRequest()
            try connection.writeHead(contentLength: 50)
            try connection.write("short")
            connection.close(reset: true)
        }
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }

        let response = try await client.execute(HTTPClientRequest(url: server.baseURL))
        await #expect(throws: HTTPClientError.connectionClosed) { try await response.body.collect(upTo: 1000) }
    }

    @Test func closeBeforeAnyResponseIsConnectionClosed() async throws {
        let server = try ScriptedTCPServer { connection in
            _ = try connection.readRequest()
            connection.close()
        }
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }

        await #expect(throws: HTTPClientError.connectionClosed) {
            try await client.execute(HTTPClientRequest(url: server.baseURL))
        }
    }

    @Test(arguments: ["this is not http at all\r\n\r\n", "HTTP/1.1 abc nonsense\r\n\r\n"])
    func garbageIsInvalidResponse(garbage: String) async throws {
        let server = try ScriptedTCPServer { connection in
            _ = try connection.readRequest()
            try connection.write(garbage)
            connection.stall()
        }
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }

        await #expect(throws: HTTPClientError.invalidResponse) {
            try await client.execute(HTTPClientRequest(url: server.baseURL, timeouts: .init(total: .seconds(5))))
        }
    }
}

/// Connect timeouts need a peer that never completes the handshake.
@Suite struct HTTPClientConnectTimeoutTests {
    @Test func unansweredConnectIsConnectTimeout() async throws {
        let listener = try UnresponsiveListener()
        defer { listener.close() }
        let client = HTTPClient()
        defer { client.shutdown() }

        let timeouts = HTTPClientTimeouts(connect: .milliseconds(300), total: .seconds(5))
        let elapsed = await ContinuousClock().measure {
            await #expect(throws: HTTPClientError.connectTimeout) {
                try await client.execute(HTTPClientRequest(url: listener.baseURL, timeouts: timeouts))
            }
        }
        #expect(elapsed < .seconds(4))
    }
}
