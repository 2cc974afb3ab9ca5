import MRCommon
import MRHTTPServer
import MRProviders
import MRRouting
import MRWeb

/// The bytes of ModelRouter's own chat answers: the JSON of `/api/chat` and the SSE events `token`,
/// `done` and `error` (SPEC "SSE streams"), written straight into bytes on the hot path.
enum ChatWire {
    /// `event: token` + `data: {"content": "…"}`.
    static func tokenEvent(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 40)
        bytes.append(contentsOf: "event: token\ndata: {\"content\":".utf8)
        JSONWriter.appendString(text, to: &bytes)
        bytes.append(contentsOf: "}\n\n".utf8)
        return bytes
    }

    /// `event: done` with model, provider, finish_reason, usage, latency_ms, ttft_ms, fallbacks (and attempts).
    static func doneEvent(
        trace: RouteTrace, finishReason: String, usage: Usage?, latency: Duration, ttft: Duration
    ) -> [UInt8] {
        var json = JSONWriter(capacity: 256)
        json.object { object in
            object.field("model", trace.model)
            object.field("provider", trace.provider)
            object.field("finish_reason", finishReason)
            usageField(&object, usage)
            object.field("latency_ms", latency.milliseconds)
            object.field("ttft_ms", ttft.milliseconds)
            object.field("fallbacks", trace.fallbacks)
            object.field("attempts", trace.attempts)
        }
        return ServerSentEvents.event("done", json: json.bytes)
    }

    /// `event: error` + `data: {"detail", "error_code"}`.
    static func errorEvent(_ error: any HTTPResponseError) -> [UInt8] {
        var json = JSONWriter()
        json.object { object in
            object.field("detail", error.detail)
            object.field("error_code", error.errorCode)
        }
        return ServerSentEvents.event("error", json: json.bytes)
    }

    /// The last event of a stream ended by the server's shutdown.
    static let shuttingDown = APIError(
        status: 503, errorCode: "SHUTTING_DOWN", detail: "the server is shutting down; the answer was cut short")

    /// The JSON answer of `POST /api/chat`.
    static func completion(_ completion: ChatCompletion) -> [UInt8] {
        var json = JSONWriter(capacity: completion.text.utf8.count + 320)
        json.object { object in
            object.field("model", completion.trace.model)
            object.field("provider", completion.trace.provider)
            object.field("content", completion.text)
            object.objectField("message") { message in
                message.field("role", "assistant")
                message.field("content", completion.text)
            }
            object.field("finish_reason", completion.finishReason)
            usageField(&object, completion.usage)
            object.field("latency_ms", completion.latency.milliseconds)
            object.field("ttft_ms", completion.ttft.milliseconds)
            object.field("fallbacks", completion.trace.fallbacks)
            object.field("attempts", completion.trace.attempts)
        }
        return json.bytes
    }

    static func usageField(_ object: inout JSONWriter.ObjectWriter, _ usage: Usage?) {
        guard let usage else {
            object.field("usage", nil as String?)
            return
        }
        object.objectField("usage") { fields in
            fields.field("prompt_tokens", usage.promptTokens)
            fields.field("completion_tokens", usage.completionTokens)
            fields.field("total_tokens", usage.totalTokens)
        }
    }

    /// The router's headers: which model and provider answered, after how many calls, and our own time.
    static func headers(_ trace: RouteTrace) -> HTTPHeaders {
        [
            "X-ModelRouter-Model": trace.model, "X-ModelRouter-Provider": trace.provider,
            "X-ModelRouter-Attempts": String(trace.attempts),
            "X-ModelRouter-Overhead-Ms": millisecondsText(trace.overhead),
        ]
    }

    /// `0.042`: milliseconds with three decimals.
    static func millisecondsText(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let micros = max(0, seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
        let fraction = String(micros % 1000)
        return "\(micros / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}

/// The SPEC's SSE events for a streamed answer (`GET /api/chat/stream`, `POST /api/chat/stream/multi`).
struct SPECChatEvents: ChatStreamFormat {
    /// When the request arrived, for the `done` event's `latency_ms`.
    let receivedAt: ContinuousClock.Instant

    var opening: [UInt8] { [] }

    @inline(never)
    func token(_ text: String) -> [UInt8] { ChatWire.tokenEvent(text) }

    @inline(never)
    func ending(_ session: ChatSession) -> [UInt8] {
        ChatWire.doneEvent(
            trace: session.trace, finishReason: session.finishReason ?? "stop", usage: session.usage,
            latency: .now - receivedAt, ttft: session.ttft)
    }

    @inline(never)
    func failure(_ error: any HTTPResponseError) -> [UInt8] { ChatWire.errorEvent(error) }
}
