import Foundation
import Testing

@testable import MRProviders

/// The fast chunk scanner agrees with `JSONDecoder` on every chunk it accepts, and declines (nil) whatever it
/// does not fully understand, so the slow path keeps deciding those.
@Suite struct OpenAIChunkScannerTests {
    /// What the slow path makes of a chunk: texts of choice 0, its finish reason, usage.
    static func reference(_ json: String) -> OpenAIChunkScanner.Chunk? {
        guard let completion = try? JSONDecoder().decode(OpenAIWire.Completion.self, from: Data(json.utf8)),
            completion.error == nil
        else { return nil }
        var chunk = OpenAIChunkScanner.Chunk()
        chunk.usage = completion.usage?.usage
        for choice in completion.choices ?? [] where (choice.index ?? 0) == 0 {
            if let text = choice.delta?.content ?? choice.message?.content { chunk.texts.append(text) }
            if let reason = choice.finishReason, !reason.isEmpty { chunk.finishReason = reason }
        }
        return chunk
    }

    static let accepted = [
        #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","system_fingerprint":null,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}"#,
        #"{"choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}]}"#,
        #"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}"#,
        #"{"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21,"prompt_tokens_details":{"cached_tokens":0}}}"#,
        #" { "choices" : [ { "delta" : { "content" : "a\"b\\c\/d\n\t\u00e9\ud83d\ude00" } } ] } "#,
        #"{"choices":[{"index":1,"delta":{"content":"other"}},{"index":0,"delta":{"content":"mine"}}]}"#,
        #"{"choices":[{"index":0,"message":{"role":"assistant","content":"whole"},"finish_reason":"length"}]}"#,
        #"{"choices":[{"index":0,"delta":{"content":null,"tool_calls":[{"id":"x","function":{"arguments":"{}"}}]}}]}"#,
        #"{"choices":null,"error":null,"extra":[1,-2.5e3,true,false,null,{"k":"v"}]}"#,
        #"{"choices":[{"index":0,"delta":{"content":"日本語"}}]}"#,
        "{}",
    ]

    @Test(arguments: accepted)
    func agreesWithJSONDecoder(_ json: String) throws {
        let fast = try #require(OpenAIChunkScanner.scan(Array(json.utf8)))
        #expect(fast == Self.reference(json))
    }

    @Test func readsTheFieldsItNeeds() throws {
        let chunk = try #require(OpenAIChunkScanner.scan(Array(Self.accepted[4].utf8)))
        #expect(chunk.texts == ["a\"b\\c/d\n\té😀"])
        let usage = try #require(OpenAIChunkScanner.scan(Array(Self.accepted[3].utf8))?.usage)
        #expect(usage == Usage(promptTokens: 9, completionTokens: 12))
        #expect(OpenAIChunkScanner.scan(Array(Self.accepted[5].utf8))?.texts == ["mine"])
    }

    static let declined = [
        #"{"error":{"message":"overloaded","type":"server_error"}}"#,  // an error: the slow path builds it
        #"{"choices":[{"index":0,"delta":{"content":42}}]}"#,  // wrong type
        #"{"choices":[{"index":0.5,"delta":{"content":"x"}}]}"#,
        #"{"choices":[{"index":0,"delta":{"content":"x"}}]"#,  // truncated
        #"{"choices":[{"index":0,"delta":{"content":"x"}}]} trailing"#,
        #"{"choices":[{"delta":{"content":"bad \ud800 surrogate"}}]}"#,
        "{\"choices\":[{\"delta\":{\"content\":\"raw\nnewline\"}}]}",
        #"{"ch\u006fices":[]}"#,  // escaped key
        #"{"choices":[{"delta":{"content":"x"}}],}"#,
        "",
        "[DONE]",
    ]

    @Test(arguments: declined)
    func declinesWhatItDoesNotFullyUnderstand(_ json: String) {
        #expect(OpenAIChunkScanner.scan(Array(json.utf8)) == nil)
    }

    @Test func invalidUTF8IsDeclined() {
        var bytes = Array(#"{"choices":[{"delta":{"content":"x"#.utf8)
        bytes += [0xFF, 0xFE]
        bytes += Array(#""}}]}"#.utf8)
        #expect(OpenAIChunkScanner.scan(bytes) == nil)
    }

    @Test func skippedStringsAreCheckedAsStrictlyAsReadOnes() {
        // Invalid UTF-8, a raw control character or a bad escape in a field the scanner skips still declines.
        for bad in [[0xFF], [0x0A], Array(#"\q"#.utf8), [0xC3]] as [[UInt8]] {
            let bytes = Array(#"{"id":"a"#.utf8) + bad + Array(#"b","choices":[{"delta":{"content":"x"}}]}"#.utf8)
            #expect(OpenAIChunkScanner.scan(bytes) == nil)
        }
        // Valid non-ASCII and escapes in skipped fields are fine.
        let fine = #"{"id":"é\n\u00e9","model":"m/✓","choices":[{"delta":{"content":"x"}}]}"#
        #expect(OpenAIChunkScanner.scan(Array(fine.utf8)) == OpenAIChunkScanner.Chunk(texts: ["x"]))
    }

    @Test func hostileNestingIsDeclinedWithoutRecursingForever() {
        // An upstream could send 100,000 nested arrays in a field the scanner skips: it stops at 64 levels.
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let json = #"{"x":\#(deep),"choices":[{"delta":{"content":"x"}}]}"#
        #expect(OpenAIChunkScanner.scan(Array(json.utf8)) == nil)
    }
}
