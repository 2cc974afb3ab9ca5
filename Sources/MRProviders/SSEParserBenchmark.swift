#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// SSE parsing throughput: ``SSEParser`` plus the OpenAI adapter's per-event decoding, against a naive
/// split-lines-then-JSON baseline, over the same synthetic stream of realistic `chat.completion.chunk` events.
/// Run it in a release build (`modelrouter bench-sse`, `bench/sse/run.sh`).
package enum SSEParserBenchmark {
    /// The figures of one run.
    package struct Result: Sendable, CustomStringConvertible {
        package var bytes: Int
        package var events: Int
        /// SSEParser fed in chunks, each event decoded as the adapter does (JSONDecoder of its minimal struct).
        package var parserSeconds: Double
        /// SSEParser alone (framing only, no JSON), for the parser's own cost.
        package var framingSeconds: Double
        /// The whole body as one String, split into lines, each `data:` line decoded with JSONDecoder.
        package var naiveSeconds: Double

        package func megabytesPerSecond(_ seconds: Double) -> Double { Double(bytes) / 1_048_576 / seconds }
        package var ratio: Double { naiveSeconds / parserSeconds }

        package var description: String {
            func line(_ name: String, _ seconds: Double) -> String {
                let rate = (megabytesPerSecond(seconds) * 10).rounded() / 10
                let milliseconds = Int((seconds * 1000).rounded())
                return "\(name)\(rate) MB/s  (\(milliseconds) ms)"
            }
            let megabytes = (Double(bytes) / 1_048_576 * 10).rounded() / 10
            return """
                SSE parsing: \(megabytes) MB, \(events) OpenAI chunk events
                  \(line("SSEParser + adapter JSON decode:   ", parserSeconds))
                  \(line("SSEParser framing only:            ", framingSeconds))
                  \(line("naive split lines + JSONDecoder:   ", naiveSeconds))
                  speed-up over naive (same output):  \((ratio * 100).rounded() / 100)x
                """
        }
    }

    /// Builds a stream of about `megabytes` MB, runs the three readers over it (after a small warm-up), checks
    /// that the two full readers extract exactly the same text, and returns the timings.
    package static func run(megabytes: Int = 50, chunkSize: Int = 16 * 1024) -> Result {
        let stream = makeStream(bytes: megabytes * 1_048_576)
        let warmUp = makeStream(bytes: 1_048_576)
        _ = parserRead(warmUp, chunkSize: chunkSize)
        _ = naiveRead(warmUp)

        let clock = ContinuousClock()
        var parsed = (text: "", events: 0)
        let parserTime = clock.measure { parsed = parserRead(stream, chunkSize: chunkSize) }
        var framed = 0
        let framingTime = clock.measure { framed = framingRead(stream, chunkSize: chunkSize) }
        var naive = ""
        let naiveTime = clock.measure { naive = naiveRead(stream) }
        precondition(parsed.text == naive, "the readers disagree")
        precondition(framed == parsed.events + 1, "the framing pass saw \(framed) events")
        return Result(
            bytes: stream.count, events: parsed.events, parserSeconds: parserTime.seconds,
            framingSeconds: framingTime.seconds, naiveSeconds: naiveTime.seconds)
    }

    // MARK: Readers

    /// What the streaming adapter does per event: SSEParser over network-sized chunks, `[DONE]` check, one
    /// JSONDecoder for the stream decoding the adapter's minimal chunk struct, delta content appended.
    static func parserRead(_ stream: [UInt8], chunkSize: Int) -> (text: String, events: Int) {
        var parser = SSEParser()
        let decoder = JSONDecoder()
        var text = ""
        var events = 0
        var index = 0
        while index < stream.count {
            let end = min(stream.count, index + chunkSize)
            stream.withUnsafeBytes { buffer in
                try? parser.feed(UnsafeRawBufferPointer(rebasing: buffer[index..<end])) { event in
                    if event.dataEquals("[DONE]") { return }
                    guard let chunk = try? decoder.decode(OpenAIWire.Completion.self, from: Data(event.data)) else {
                        return
                    }
                    events += 1
                    if let content = chunk.choices?.first?.delta?.content { text += content }
                }
            }
            index = end
        }
        return (text, events)
    }

    static func framingRead(_ stream: [UInt8], chunkSize: Int) -> Int {
        var parser = SSEParser()
        var events = 0
        var index = 0
        while index < stream.count {
            let end = min(stream.count, index + chunkSize)
            stream.withUnsafeBytes { buffer in
                try? parser.feed(UnsafeRawBufferPointer(rebasing: buffer[index..<end])) { _ in events += 1 }
            }
            index = end
        }
        return events
    }

    /// The quick implementation: the body as one String, split at newlines, `data: ` lines decoded into a
    /// struct mirroring the whole chunk.
    static func naiveRead(_ stream: [UInt8]) -> String {
        let decoder = JSONDecoder()
        var text = ""
        let body = String(decoding: stream, as: UTF8.self)
        for line in body.split(separator: "\n") {
            guard line.hasPrefix("data: ") else { continue }
            let payload = line.dropFirst(6)
            if payload == "[DONE]" { break }
            guard let chunk = try? decoder.decode(NaiveChunk.self, from: Data(payload.utf8)) else { continue }
            text += chunk.choices.first?.delta.content ?? ""
        }
        return text
    }

    struct NaiveChunk: Decodable {
        var id: String
        var object: String
        var created: Int
        var model: String
        var choices: [Choice]
        struct Choice: Decodable {
            var index: Int
            var delta: Delta
            var finish_reason: String?
        }
        struct Delta: Decodable {
            var role: String?
            var content: String?
        }
    }

    // MARK: Data

    /// OpenAI chunk events as vendors send them (NVIDIA/vLLM style), with word-sized tokens, some escapes and
    /// non-ASCII text, ending with a finish chunk and `[DONE]`.
    static func makeStream(bytes target: Int) -> [UInt8] {
        let words = [
            "The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", ".", "\\n", " Ünïcødé",
            " \\\"quoted\\\"", " 🙂", " tokens", ",", " and", " more", " words", " stream", " by",
        ]
        let head =
            #"data: {"id":"chatcmpl-8f2d3c1a9b","object":"chat.completion.chunk","created":1732600000,"#
            + #""model":"meta/llama-3.1-8b-instruct","choices":[{"index":0,"delta":{"content":""#
        let tail = #""},"logprobs":null,"finish_reason":null}]}"# + "\n\n"
        var stream: [UInt8] = []
        stream.reserveCapacity(target + 512)
        var index = 0
        while stream.count < target {
            stream += head.utf8
            stream += words[index % words.count].utf8
            stream += tail.utf8
            index += 1
        }
        stream += #"data: {"id":"chatcmpl-8f2d3c1a9b","object":"chat.completion.chunk","created":1732600000,"#.utf8
        stream +=
            #""model":"meta/llama-3.1-8b-instruct","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#.utf8
        stream += "\n\ndata: [DONE]\n\n".utf8
        return stream
    }
}

extension Duration {
    fileprivate var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
