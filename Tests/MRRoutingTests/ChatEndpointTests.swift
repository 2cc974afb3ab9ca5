import Foundation
import MRConfig
import MRStore
import MRTestSupport
import Testing

/// `/api/chat`, `/api/chat/stream`, `/api/chat/stream/multi` end to end.
@Suite struct ChatEndpointTests {
    @Test func postChatAnswersJSONWithTheRoutersHeaders() async throws {
        try await LiveHarness.with { live in
            let response = try await live.post(
                "/api/chat", #"{"model": "meta/llama-3.1-8b-instruct", "message": "Hello!", "system": "Be brief."}"#)
            #expect(response.status == 200)
            let body = response.object
            #expect(body["content"] as? String == "Hello, world!")
            #expect(body["model"] as? String == LiveHarness.model)
            #expect(body["provider"] as? String == "one")
            #expect(body["finish_reason"] as? String == "stop")
            #expect((body["usage"] as? [String: Any])?["total_tokens"] as? Int == 16)
            #expect(body["fallbacks"] as? Int == 0)
            #expect(response.header("X-ModelRouter-Model") == LiveHarness.model)
            #expect(response.header("X-ModelRouter-Provider") == "one")
            #expect(response.header("X-ModelRouter-Attempts") == "1")
            #expect(Double(response.header("X-ModelRouter-Overhead-Ms") ?? "") != nil)
            // The upstream got the system prompt, the message, and our key for it (never the client's).
            let sent = try #require(live.one.requests.last)
            #expect(sent.bodyText.contains("Be brief.") && sent.bodyText.contains("Hello!"))
            #expect(sent.header("Authorization") == "Bearer upstream-one")
        }
    }

    @Test func aFailingProviderIsHiddenByAFallback() async throws {
        try await LiveHarness.with { live in
            live.one.script(.fail(status: 500))
            let response = try await live.post(
                "/api/chat", #"{"model": "fast-chat", "messages": [{"role": "user", "content": "Hi"}]}"#)
            #expect(response.status == 200)
            #expect(response.object["provider"] as? String == "two")
            #expect(response.object["fallbacks"] as? Int == 1)
            #expect(response.header("X-ModelRouter-Attempts") == "2")
        }
    }

    @Test func streamSendsTokensThenDone() async throws {
        try await LiveHarness.with { live in
            let response = try await live.get(
                "/api/chat/stream?model=meta/llama-3.1-8b-instruct&message=Hi&max_tokens=8&temperature=0.5")
            #expect(response.status == 200)
            #expect(response.header("Content-Type")?.hasPrefix("text/event-stream") == true)
            #expect(response.header("X-ModelRouter-Provider") == "one")
            let list = events(response.text)
            #expect(list.dropLast().allSatisfy { $0.name == "token" })
            #expect(list.dropLast().compactMap { $0.json?["content"] as? String }.joined() == "Hello, world!")
            let done = try #require(list.last)
            #expect(done.name == "done")
            let fields = try #require(done.json)
            for key in ["model", "provider", "finish_reason", "usage", "latency_ms", "ttft_ms", "fallbacks"] {
                #expect(fields[key] != nil, "done lacks \(key)")
            }
            #expect(fields["finish_reason"] as? String == "stop")
        }
    }

    @Test func aStreamCutMidAnswerEndsWithAnErrorEventNotADone() async throws {
        try await LiveHarness.with { live in
            live.one.script(.cut(afterTokens: 2))
            let response = try await live.post(
                "/api/chat/stream/multi",
                #"{"model": "meta/llama-3.1-8b-instruct", "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yes?"}, {"role": "user", "content": "More"}]}"#
            )
            #expect(response.status == 200)
            let list = events(response.text)
            #expect(list.map { $0.name ?? "" } == ["token", "token", "error"])
            #expect(list.last?.json?["error_code"] as? String == "UPSTREAM_ERROR")
            #expect(!response.text.contains("event: done"))
            #expect(live.chatCalls(live.two) == 0)  // no fallback once the answer has started
        }
    }

    @Test func aStreamThatStallsMidAnswerEndsWithATimeoutError() async throws {
        try await LiveHarness.with(configure: { $0.routing.idleTimeout = .seconds(1) }) { live in
            live.one.script(.stall(afterTokens: 1))
            let response = try await live.get("/api/chat/stream?model=meta/llama-3.1-8b-instruct&message=Hi")
            let list = events(response.text)
            #expect(list.map { $0.name ?? "" } == ["token", "error"])
            #expect(list.last?.json?["error_code"] as? String == "UPSTREAM_TIMEOUT")
        }
    }

    @Test func failuresBeforeTheFirstTokenAreHTTPErrors() async throws {
        try await LiveHarness.with { live in
            for fake in [live.one, live.two] { fake.script(.rateLimited(retryAfter: "9")) }
            let limited = try await live.get("/api/chat/stream?model=meta/llama-3.1-8b-instruct&message=Hi")
            #expect(limited.status == 429)
            #expect(limited.object["error_code"] as? String == "RATE_LIMITED")
            #expect(limited.header("Retry-After") == "9")
            let unknown = try await live.post("/api/chat", #"{"model": "no/such-model", "message": "Hi"}"#)
            #expect(unknown.status == 404)
            #expect(unknown.object["error_code"] as? String == "NOT_FOUND")
        }
    }

    @Test(arguments: [
        #"{"message": "Hi"}"#, #"{"model": "x", "messages": []}"#, #"{"model": "x"}"#,
        #"{"model": "x", "messages": [{"role": "wizard", "content": "Hi"}]}"#,
        #"{"model": "x", "message": "Hi", "temperature": 7}"#, #"{"model": "x", "message": "Hi", "max_tokens": 0}"#,
        #"{"model": "x", "message": "Hi", "route": {"strategy": "fastest"}}"#,
        #"{"model": "x", "message": "Hi", "route": {"fallbacks": 99}}"#, "not json", "[1, 2]",
    ])
    func invalidBodiesAreValidationErrors(_ body: String) async throws {
        try await LiveHarness.with { live in
            let response = try await live.post("/api/chat", body)
            #expect(response.status == 400)
            #expect(response.object["error_code"] as? String == "VALIDATION_ERROR")
            #expect(live.chatCalls(live.one) == 0)
        }
    }

    @Test func chatNeedsCredentials() async throws {
        try await LiveHarness.with { live in
            let response = try await live.post("/api/chat", #"{"model": "auto", "message": "Hi"}"#, key: nil)
            #expect(response.status == 401)
            #expect(response.object["error_code"] as? String == "AUTH_REQUIRED")
        }
    }

    @Test func aKeysRPMIsEnforcedWithRetryAfterAndUsageIsRecorded() async throws {
        try await LiveHarness.with { live in
            let store = live.app.application.store
            let key = try await store.createAPIKey(name: "bot", rpm: 2)
            let body = #"{"model": "meta/llama-3.1-8b-instruct", "message": "Hi"}"#
            let first = try await live.post("/api/chat", body, key: key.plaintext)
            let second = try await live.post(
                "/v1/chat/completions",
                #"{"model": "meta/llama-3.1-8b-instruct", "messages": [{"role": "user", "content": "Hi"}]}"#,
                key: key.plaintext)
            let third = try await live.post("/api/chat", body, key: key.plaintext)
            #expect(first.status == 200 && second.status == 200)
            #expect(third.status == 429)
            #expect(third.object["error_code"] as? String == "RATE_LIMITED")
            #expect(Int(third.header("Retry-After") ?? "") ?? 0 >= 1)
            #expect(live.chatCalls(live.one) == 2)
            // Usage: one row per routed request, with tokens and the deployment's price.
            let recorded = await eventually {
                (try? await store.usageTotals(keyID: key.record.id))?.requests == 2
            }
            #expect(recorded)
            let totals = try await store.usageTotals(keyID: key.record.id)
            #expect(totals.promptTokens == 24 && totals.completionTokens == 8)
            #expect(abs(totals.costUSD - (24 * 1.0 + 8 * 2.0) / 1_000_000) < 1e-12)
            let rows = try await store.recentUsage(keyID: key.record.id)
            #expect(rows.allSatisfy { $0.outcome == "ok" && $0.provider == "one" && $0.model == LiveHarness.model })
        }
    }
}
