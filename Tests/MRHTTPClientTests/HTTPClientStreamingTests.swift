import MRHTTPClient
import MRTestSupport
import Synchronization
import Testing

/// Streaming, back-pressure, body limits, cancellation and shutdown.
@Suite struct HTTPClientStreamingTests {
    @Test func chunksReachTheConsumerBeforeTheBodyEnds() async throws {
        let gate = ScriptGate()
        let server = try ScriptedTCPServer { connection in
            _ = try connection.readRequest()
            try connection.writeChunkedHead(headers: [("Content-Type", "text/event-stream")])
            try connection.writeChunk("data: first\n\n")
            // The rest only comes once the test has seen the first chunk.
            guard connection.wait(for: gate) else { return }
            try connection.writeChunk("data: second\n\n")
            try connection.writeLastChunk()
        }
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }

        let response = try await client.execute(HTTPClientRequest(url: server.baseURL + "/stream"))
        #expect(response.headers.first("content-type") == "text/event-stream")
        var iterator = response.body.makeAsyncIterator()
        #expect(try await iterator.next() == Array("data: first\n\n".utf8))
        gate.open()
        #expect(try await iterator.next() == Array("data: second\n\n".utf8))
        #expect(try await iterator.next() == nil)
        #expect(try await iterator.next() == nil)
    }

    @Test func collectEnforcesItsLimit() async throws {
        let server = try ScriptedTCPServer.answering { request in
            let body = Array(repeating: UInt8(ascii: "z"), count: 10_000)
            return ScriptedResponse(body: body)
        }
        defer { server.stop() }
        let chunked = try ScriptedTCPServer { connection in
            _ = try connection.readRequest()
            try connection.writeChunkedHead()
            for _ in 0..<10 { try connection.writeChunk(Array(repeating: UInt8(ascii: "y"), count: 1000)) }
            try connection.writeLastChunk()
            connection.stall()
        }
        defer { chunked.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }

        let exact = try await client.execute(HTTPClientRequest(url: server.baseURL)).body.collect(upTo: 10_000)
        #expect(exact.count == 10_000)
        let declared = try await client.execute(HTTPClientRequest(url: server.baseURL))
        await #expect(throws: HTTPClientError.bodyTooLarge) { try await declared.body.collect(upTo: 9_999) }
        let streamed = try await client.execute(HTTPClientRequest(url: chunked.baseURL))
        await #expect(throws: HTTPClientError.bodyTooLarge) { try await streamed.body.collect(upTo: 2_500) }
    }

    @Test func slowConsumerPausesTheTransferInsteadOfBuffering() async throws {
        let highWater = 64 * 1024
        let total = 8 * 1024 * 1024
        let server = try ScriptedTCPServer { connection in
            _ = try connection.readRequest()
            try connection.writeHead(contentLength: total)
            let block = Array(repeating: UInt8(ascii: "b"), count: 64 * 1024)
            for _ in 0..<(total / block.count) { try connection.write(block) }
            connection.stall()
        }
        defer { server.stop() }
        let client = HTTPClient(configuration: .init(bodyBufferHighWaterMark: highWater))
        defer { client.shutdown() }

        let response = try await client.execute(HTTPClientRequest(url: server.baseURL))
        var iterator = response.body.makeAsyncIterator()
        var received = try await iterator.next()?.count ?? 0
        // Lag behind: the driver must pause the transfer rather than keep buffering.
        let deadline = ContinuousClock.now + .seconds(5)
        while !response.body.bufferStatistics.isPaused && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(response.body.bufferStatistics.isPaused)
        while let chunk = try await iterator.next() { received += chunk.count }
        #expect(received == total)
        let statistics = response.body.bufferStatistics
        #expect(statistics.pauseCount > 0)
        // Bounded by the high-water mark plus what curl hands over in one go, far below the 8 MiB body.
        #expect(statistics.maxBufferedBytes <= highWater + 512 * 1024)
    }

    @Test func cancellingExecuteAbortsTheTransfer() async throws {
        let server = try ScriptedTCPServer { connection in
            _ = try connection.readRequest()
            connection.stall()
        }
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }

        let task = Task { try await client.execute(HTTPClientRequest(url: server.baseURL)) }
        try await server.waitForRequests()
        task.cancel()
        await #expect(throws: HTTPClientError.cancelled) { try await task.value }
        try await server.waitForPeerClose()
    }

    @Test func cancellingBodyIterationAbortsTheTransfer() async throws {
        let server = try ScriptedTCPServer { connection in
            _ = try connection.readRequest()
            try connection.writeChunkedHead()
            try connection.writeChunk("first")
            connection.stall()
        }
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }

        let response = try await client.execute(HTTPClientRequest(url: server.baseURL))
        let (firstChunks, firstSeen) = AsyncStream<Void>.makeStream()
        let task = Task {
            var count = 0
            for try await _ in response.body {
                count += 1
                firstSeen.yield()
            }
            return count
        }
        var signals = firstChunks.makeAsyncIterator()
        await signals.next()
        task.cancel()
        await #expect(throws: HTTPClientError.cancelled) { try await task.value }
        try await server.waitForPeerClose()
    }

    @Test func droppingAnUnreadBodyAbortsTheTransfer() async throws {
        let server = try ScriptedTCPServer { connection in
            _ = try connection.readRequest()
            try connection.writeHead(contentLength: 1_000_000)
            try connection.write("some")
            connection.stall()
        }
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }

        let status = try await client.execute(HTTPClientRequest(url: server.baseURL)).status
        #expect(status == 200)
        try await server.waitForPeerClose()
    }

    @Test func shutdownWithTransfersInFlightFailsThemAndReturns() async throws {
        let server = try ScriptedTCPServer { connection in
            _ = try connection.readRequest()
            connection.stall()
        }
        defer { server.stop() }
        let client = HTTPClient()
        let streaming = try ScriptedTCPServer { connection in
            _ = try connection.readRequest()
            try connection.writeChunkedHead()
            try connection.writeChunk("x")
            connection.stall()
        }
        defer { streaming.stop() }

        let open = try await client.execute(HTTPClientRequest(url: streaming.baseURL))
        let tasks = (0..<5).map { _ in Task { try await client.execute(HTTPClientRequest(url: server.baseURL)) } }
        try await server.waitForRequests(count: 5)
        client.shutdown()
        for task in tasks {
            await #expect(throws: HTTPClientError.shutdown) { try await task.value }
        }
        await #expect(throws: HTTPClientError.shutdown) {
            for try await _ in open.body {}
        }
        await #expect(throws: HTTPClientError.shutdown) {
            try await client.execute(HTTPClientRequest(url: server.baseURL))
        }
        try await server.waitForPeerClose(count: 5)
        client.shutdown()
    }
}
