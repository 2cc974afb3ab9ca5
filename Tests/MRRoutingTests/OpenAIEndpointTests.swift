import Foundation
import MRConfig
import MRTestSupport
import Testing

/// `/v1/chat/completions` and `/v1/embeddings` in OpenAI's exact shapes, errors included.
@Suite struct OpenAIEndpointTests {
    static let chatBody =
        #"{"model": "meta/llama-3.1-8b-instruct", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": [{"type": "text", "text": "Hi"}]}], "max_completion_tokens": 8, "top_p": 0.9, "user": "u1"}"#

    @Test func aCompletionHasOpenAIsShapeAndUsage() async throws {
        try await LiveHarness.with { live in
            let response = try await live.post("/v1/chat/completions", Self.chatBody)
            #expect(response.status == 200)
            let body = response.object
            #expect((body["id"] as? String)?.hasPrefix("chatcmpl-") == true)
            #expect(body["object"] as? String == "chat.completion")
            #expect(body["created"] as? Int != nil)
            #expect(body["model"] as? String == LiveHarness.model)
            let choice = try #require((body["choices"] as? [[String: Any]])?.first)
            #expect(choice["index"] as? Int == 0)
            #expect(choice["finish_reason"] as? String == "stop")
            let message = try #require(choice["message"] as? [String: Any])
            #expect(message["role"] as? String == "assistant")
            #expect(message["content"] as? String == "Hello, world!")
            let usage = try #require(body["usage"] as? [String: Any])
            #expect(usage["prompt_tokens"] as? Int == 12)
            #expect(usage["completion_tokens"] as? Int == 4)
            #expect(usage["total_tokens"] as? Int == 16)
            #expect(response.header("X-ModelRouter-Provider") == "one")
        }
    }

    @Test func aStreamIsOpenAIChunksEndingInDone() async throws {
        try await LiveHarness.with { live in
            let body = Self.chatBody.replacingOccurrences(
                of: #""user": "u1""#, with: #""stream": true, "stream_options": {"include_usage": true}"#)
            let response = try await live.post("/v1/chat/completions", body)
            #expect(response.status == 200)
            let list = events(response.text)
            #expect(list.allSatisfy { $0.name == nil })
            #expect(list.last?.data == "[DONE]")
            let chunks = list.dropLast().compactMap(\.json)
            #expect(chunks.count == list.count - 1)
            #expect(Set(chunks.compactMap { $0["id"] as? String }).count == 1)
            #expect(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
            let deltas = chunks.compactMap { ($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any] }
            #expect(deltas.first?["role"] as? String == "assistant")
            #expect(deltas.compactMap { $0["content"] as? String }.joined() == "Hello, world!")
            let finish = chunks.compactMap { ($0["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String }
            #expect(finish == ["stop"])
            let usage = try #require(chunks.last?["usage"] as? [String: Any])
            #expect(usage["total_tokens"] as? Int == 16)
            #expect((chunks.last?["choices"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func aStreamCutMidAnswerEndsWithAnErrorChunkAndNoDone() async throws {
        try await LiveHarness.with { live in
            live.one.script(.cut(afterTokens: 1))
            let response = try await live.post(
                "/v1/chat/completions",
                #"{"model": "meta/llama-3.1-8b-instruct", "messages": [{"role": "user", "content": "Hi"}], "stream": true}"#
            )
            let list = events(response.text)
            #expect(!response.text.contains("[DONE]"))
            let error = try #require(list.last?.json?["error"] as? [String: Any])
            #expect(error["code"] as? String == "UPSTREAM_ERROR")
            #expect(error["message"] as? String != nil)
        }
    }

    /// Each error in OpenAI's shape with our code, and the status the SDK maps to its exception class.
    @Test func errorsTakeOpenAIsShape() async throws {
        try await LiveHarness.with { live in
            let cases: [(RawHTTPResponse, Int, String, String)] = [
                (
                    try await live.post("/v1/chat/completions", Self.chatBody, key: "ar_wrong"), 401, "AUTH_INVALID",
                    "authentication_error"
                ),
                (
                    try await live.post("/v1/chat/completions", Self.chatBody, key: nil), 401, "AUTH_REQUIRED",
                    "authentication_error"
                ),
                (
                    try await live.post(
                        "/v1/chat/completions", #"{"model": "no/such", "messages": [{"role": "user", "content": "x"}]}"#
                    ),
                    404, "NOT_FOUND", "not_found_error"
                ),
                (
                    try await live.post("/v1/chat/completions", #"{"model": "x", "messages": "nope"}"#), 400,
                    "VALIDATION_ERROR", "invalid_request_error"
                ),
                (
                    try await live.post("/v1/chat/completions", #"{"model": "x", "message": "Hi"}"#), 400,
                    "VALIDATION_ERROR", "invalid_request_error"
                ),
            ]
            for (response, status, code, type) in cases {
                #expect(response.status == status, "\(code)")
                let error = try #require(response.object["error"] as? [String: Any])
                #expect(error["code"] as? String == code)
                #expect(error["type"] as? String == type)
                #expect((error["message"] as? String)?.isEmpty == false)
            }
            for fake in [live.one, live.two] { fake.script(.fail(status: 503)) }
            let upstream = try await live.post("/v1/chat/completions", Self.chatBody)
            #expect(upstream.status == 502)
            #expect((upstream.object["error"] as? [String: Any])?["code"] as? String == "UPSTREAM_ERROR")
        }
    }

    @Test func embeddingsAsFloatsAndAsBase64() async throws {
        try await LiveHarness.with { live in
            let floats = try await live.post(
                "/v1/embeddings", #"{"model": "nvidia/nv-embedqa-e5-v5", "input": ["a", "b"]}"#)
            #expect(floats.status == 200)
            #expect(floats.object["object"] as? String == "list")
            let data = try #require(floats.object["data"] as? [[String: Any]])
            #expect(data.map { $0["index"] as? Int } == [0, 1])
            #expect(data[0]["embedding"] as? [Double] == [0.5, 2, 0.25])
            #expect((floats.object["usage"] as? [String: Any])?["prompt_tokens"] as? Int == 6)
            let encoded = try await live.post(
                "/v1/embeddings", #"{"model": "auto", "input": "a", "encoding_format": "base64"}"#)
            let text = try #require((encoded.object["data"] as? [[String: Any]])?.first?["embedding"] as? String)
            let bytes = try #require(Data(base64Encoded: text))
            let values = stride(from: 0, to: bytes.count, by: 4).map { offset in
                Float(
                    bitPattern: bytes[offset..<offset + 4].enumerated().reduce(UInt32(0)) {
                        $0 | UInt32($1.element) << (8 * UInt32($1.offset))
                    })
            }
            #expect(values == [0.5, 1, 0.25])
            let chatModel = try await live.post(
                "/v1/embeddings", #"{"model": "meta/llama-3.1-8b-instruct", "input": "a"}"#)
            #expect(chatModel.status == 400)
            let tokens = try await live.post("/v1/embeddings", #"{"model": "auto", "input": [[1, 2]]}"#)
            #expect(tokens.status == 400)
        }
    }
}
