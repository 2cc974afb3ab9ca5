import MRHTTPClient
import Testing

@testable import MRProviders

/// The HTTP request of a chat call: stream or not, and the receive buffer a whole-answer read gets.
@Suite struct ChatHTTPRequestTests {
    let endpoint = ProviderEndpoint(
        providerID: "p", baseURL: "http://127.0.0.1:1/v1", apiKey: nil, client: HTTPClient())

    @Test func aWholeAnswerReadGetsALargerBufferAndAStreamKeepsTheClients() {
        var request = ChatRequest(model: "m", messages: [ChatMessage(role: "user", content: "hi")])
        let streamed = endpoint.chatRequest("chat/completions", headers: [], body: [], for: request)
        #expect(streamed.receiveBufferSize == nil)
        #expect(streamed.headers.contains { $0.0 == "Accept" && $0.1 == "text/event-stream" })

        request.wholeAnswer = true
        let whole = endpoint.chatRequest("chat/completions", headers: [], body: [], for: request)
        #expect(whole.receiveBufferSize == ProviderEndpoint.wholeAnswerReceiveBuffer)

        request.stream = false
        request.wholeAnswer = false
        let oneShot = endpoint.chatRequest("chat/completions", headers: [], body: [], for: request)
        #expect(!oneShot.headers.contains { $0.1 == "text/event-stream" })
        #expect(oneShot.timeouts.firstByte == request.timeouts.oneShotClientTimeouts.firstByte)
    }
}
