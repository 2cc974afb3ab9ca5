import Foundation
import MRTestSupport
import Testing

/// A server that stops while an answer is streaming tells the client so, in the stream's own format: the SPEC's
/// `error` event or OpenAI's error chunk with code `SHUTTING_DOWN`, never a fake `done` or `[DONE]`. The client
/// then sees the connection end (it does not wait for a stream that will never finish).
@Suite struct ShutdownMidStreamTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let request: String
        /// Present once the first token has been passed on.
        let started: String
        /// How the failure starts on the wire.
        let failure: String
        let fakeEnd: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "GET /api/chat/stream",
            request: "GET /api/chat/stream?model=drip/model&message=hi HTTP/1.1\r\nHost: x\r\n"
                + "X-API-Key: \(TestApplication.adminKey)\r\n\r\n",
            started: "event: token", failure: "event: error", fakeEnd: "event: done"),
        Case(
            name: "POST /v1/chat/completions",
            request: {
                let body = #"{"model":"drip/model","messages":[{"role":"user","content":"hi"}],"stream":true}"#
                return "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + "\(TestApplication.adminKey)\r\nContent-Type: application/json\r\n"
                    + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
            }(),
            started: #""content":"t0 ""#, failure: #"data: {"error":"#, fakeEnd: "[DONE]"),
    ]

    @Test(arguments: cases) func theClientIsToldTheAnswerWasCutShort(_ test: Case) async throws {
        let upstream = try DrippingUpstream.start()
        defer { upstream.stop() }
        let app = try await DrippingUpstream.application(routingTo: upstream)
        let client = try RawHTTPConnection(port: app.port)
        try await client.send(test.request)
        let start = try await client.read(until: test.started)
        #expect(start.hasPrefix("HTTP/1.1 200"))

        let stopping = Task { await app.stop() }
        var rest: [UInt8] = []
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let chunk = try await client.readSome(timeout: deadline - .now)
            if chunk.isEmpty { break }
            rest += chunk
        }
        await stopping.value
        let tail = String(decoding: rest, as: UTF8.self)

        #expect(tail.contains(test.failure))
        #expect(tail.contains("SHUTTING_DOWN"))
        #expect(!tail.contains(test.fakeEnd))
        #expect(tail.hasSuffix("0\r\n\r\n"), "the chunked body ends properly: \(tail.suffix(80).debugDescription)")
        // The upstream transfer is closed too, not left running.
        try await upstream.waitForPeerClose(timeout: .seconds(5))
    }
}
