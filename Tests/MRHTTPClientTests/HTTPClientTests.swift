import Dispatch
import MRHTTPClient
import MRTestSupport
import Testing

/// Round trips, headers, statuses, connection reuse and concurrency against a scripted loopback server.
@Suite struct HTTPClientTests {
    @Test func getRoundTripWithHeadersBothWays() async throws {
        let server = try ScriptedTCPServer.answering { request in
            ScriptedResponse(
                headers: [("X-Reply", "one"), ("set-cookie", "a=1"), ("Set-Cookie", "b=2")],
                body: "hello \(request.target)")
        }
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }

        let response = try await client.execute(
            HTTPClientRequest(url: server.baseURL + "/greet?x=1", headers: [("X-Test", "42"), ("X-Empty", "")]))
        #expect(response.status == 200)
        #expect(response.headers.first("x-reply") == "one")
        #expect(response.headers["SET-COOKIE"] == ["a=1", "b=2"])
        #expect(try await response.body.collect(upTo: 1024) == Array("hello /greet?x=1".utf8))

        let request = try #require(server.requests.first)
        #expect(request.method == "GET")
        #expect(request.target == "/greet?x=1")
        #expect(request.header("x-test") == "42")
        #expect(request.headers.contains { $0.0 == "X-Empty" && $0.1.isEmpty })
        #expect(request.header("User-Agent") == HTTPClient.defaultUserAgent)
        #expect(request.body.isEmpty)
    }

    @Test func postSendsBodyWithContentLengthAndNoExpect() async throws {
        let server = try ScriptedTCPServer.answering { request in
            ScriptedResponse(status: 201, headers: [("Content-Type", "application/json")], body: request.body)
        }
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }
        // Large enough that curl would otherwise add "Expect: 100-continue".
        let payload = Array(repeating: UInt8(ascii: "x"), count: 2 << 20)

        let response = try await client.execute(
            HTTPClientRequest(
                url: server.baseURL + "/v1/echo", method: "POST",
                headers: [("Content-Type", "application/json")], body: payload))
        #expect(response.status == 201)
        #expect(try await response.body.collect(upTo: 4 << 20) == payload)

        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.header("content-length") == "\(payload.count)")
        #expect(request.header("content-type") == "application/json")
        #expect(request.header("expect") == nil)
        #expect(request.body == payload)
    }

    @Test func bodyWithoutContentTypeSendsNoFormContentType() async throws {
        let server = try ScriptedTCPServer.answering { _ in ScriptedResponse(status: 204) }
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }

        let response = try await client.execute(
            HTTPClientRequest(url: server.baseURL, method: "PUT", body: Array("abc".utf8)))
        #expect(response.status == 204)
        #expect(try await response.body.collect(upTo: 10).isEmpty)
        let request = try #require(server.requests.first)
        #expect(request.method == "PUT")
        #expect(request.bodyText == "abc")
        #expect(request.header("content-type") == nil)
    }

    @Test(arguments: [400, 401, 404, 429, 500, 503])
    func errorStatusesAreResponsesWithTheirBody(status: Int) async throws {
        let server = try ScriptedTCPServer.answering { _ in
            ScriptedResponse(status: status, headers: [("Retry-After", "7")], body: "{\"error\":\(status)}")
        }
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }

        let response = try await client.execute(HTTPClientRequest(url: server.baseURL + "/fail"))
        #expect(response.status == status)
        #expect(response.headers.first("retry-after") == "7")
        #expect(String(decoding: try await response.body.collect(upTo: 100), as: UTF8.self) == "{\"error\":\(status)}")
    }

    @Test func headRequestEndsWithoutBody() async throws {
        let server = try ScriptedTCPServer { connection in
            _ = try connection.readRequest()
            try connection.write("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n")
            connection.stall()
        }
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }

        let response = try await client.execute(HTTPClientRequest(url: server.baseURL, method: "HEAD"))
        #expect(response.status == 200)
        #expect(response.headers.first("content-length") == "1234")
        #expect(try await response.body.collect(upTo: 10).isEmpty)
        #expect(server.requests.first?.method == "HEAD")
    }

    @Test func sequentialRequestsReuseOneConnection() async throws {
        let server = try ScriptedTCPServer.answering { request in ScriptedResponse(body: request.target) }
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }

        for index in 0..<5 {
            let response = try await client.execute(HTTPClientRequest(url: server.baseURL + "/\(index)"))
            #expect(try await response.body.collect(upTo: 100) == Array("/\(index)".utf8))
        }
        #expect(server.requests.count == 5)
        #expect(server.acceptedConnections == 1)
        #expect(Set(server.requests.map(\.connectionID)) == [0])
    }

    @Test func connectionsAreReusedWhileMoreAreBusyThanTheIdleLimit() async throws {
        // curl counts busy connections against its cache limit: with a fixed limit below the busy count, every
        // connection handed back was closed at once, so under load nothing was reused.
        let release = DispatchSemaphore(value: 0)
        let server = try ScriptedTCPServer { connection in
            while let request = try connection.readRequestIfAny() {
                if request.target == "/hold" { release.wait() }
                try connection.write(ScriptedResponse(body: request.target))
            }
        }
        defer { server.stop() }
        let client = HTTPClient(configuration: .init(maxIdleConnections: 2))
        defer { client.shutdown() }
        let busy = 6
        let held = Task {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<busy {
                    group.addTask { try await client.execute(HTTPClientRequest(url: server.baseURL + "/hold")).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
        }
        try await server.waitForRequests(count: busy)
        for index in 0..<5 {
            let response = try await client.execute(HTTPClientRequest(url: server.baseURL + "/quick\(index)"))
            #expect(try await response.body.collect(upTo: 100) == Array("/quick\(index)".utf8))
        }
        for _ in 0..<busy { release.signal() }
        #expect(try await held.value == Array(repeating: 200, count: busy))
        let quick = server.requests.filter { $0.target.hasPrefix("/quick") }
        #expect(Set(quick.map(\.connectionID)).count == 1)
    }

    @Test func manyConcurrentRequestsAllSucceed() async throws {
        let server = try ScriptedTCPServer.answering { request in
            ScriptedResponse(headers: [("Content-Type", "text/plain")], body: "reply to \(request.target)")
        }
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.shutdown() }
        let count = 300  // more than one epoll_wait returns (256): the rest must come on the next turn

        let results = try await withThrowingTaskGroup(of: (Int, Int, String).self) { group in
            for index in 0..<count {
                group.addTask {
                    let response = try await client.execute(HTTPClientRequest(url: server.baseURL + "/r\(index)"))
                    let body = try await response.body.collect(upTo: 1000)
                    return (index, response.status, String(decoding: body, as: UTF8.self))
                }
            }
            var results: [(Int, Int, String)] = []
            for try await result in group { results.append(result) }
            return results
        }
        #expect(results.count == count)
        for (index, status, body) in results {
            #expect(status == 200)
            #expect(body == "reply to /r\(index)")
        }
        #expect(server.requests.count == count)
    }

    @Test func invalidRequestsFailWithoutNetwork() async throws {
        let client = HTTPClient()
        defer { client.shutdown() }
        for request in [
            HTTPClientRequest(url: "ftp://127.0.0.1/file"),
            HTTPClientRequest(url: "http://127.0.0.1:1/ a"),
            HTTPClientRequest(url: "http://127.0.0.1:1/", method: "GE T"),
            HTTPClientRequest(url: "http://127.0.0.1:1/", headers: [("X-Bad", "a\r\nInjected: yes")]),
        ] {
            await #expect(throws: HTTPClientError.invalidRequest) { try await client.execute(request) }
        }
    }

    @Test func errorKindsHaveMetricNamesAndDescriptions() {
        #expect(HTTPClientError.idleTimeout.name == "idle_timeout")
        #expect(HTTPClientError.firstByteTimeout.name == "first_byte_timeout")
        #expect(HTTPClientError.connectionFailed.name == "connection_failed")
        let detailed = HTTPClientError.connectionClosed.with(message: "transfer closed", curlCode: 18)
        #expect(detailed == .connectionClosed)
        #expect(detailed != .connectionFailed)
        #expect(detailed.description.contains("transfer closed"))
        #expect(detailed.curlCode == 18)
        #expect(HTTPClientError.totalTimeout.isTimeout && !HTTPClientError.cancelled.isTimeout)
    }
}
