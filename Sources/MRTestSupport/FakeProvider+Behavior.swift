/// What the fake provider does with one request.
public enum FakeBehavior: Sendable {
    /// Answers properly in the wire format the route speaks: streamed when the request asks, else one JSON body.
    case answer(FakeAnswer = FakeAnswer())
    /// Fails with `status` and the wire's error body carrying `message` (plus any extra headers).
    case fail(status: Int, message: String = "scripted failure", headers: [(String, String)] = [])
    /// A 429 with `Retry-After: retryAfter` (seconds or an HTTP-date, sent as given).
    case rateLimited(retryAfter: String)
    /// Starts the answer, sends `afterTokens` tokens, then ends the body cleanly without the finish reason or
    /// terminator (`[DONE]` / `message_stop`). A non-streamed answer sends half of its JSON and ends.
    case cut(afterTokens: Int)
    /// Sends nothing more: before the response head when `afterTokens` is nil, else after that many streamed
    /// tokens. Holds until ``FakeProvider/releaseStalls()`` or shutdown.
    case stall(afterTokens: Int?)
    /// A 200 whose body is not what the API promises: HTML for JSON, an SSE event with broken JSON for streams.
    case garbage
    /// Streams `afterTokens` tokens, then an in-stream error (`data: {"error": …}` / `event: error`).
    case streamError(afterTokens: Int, type: String, message: String)
}

/// A scripted answer.
public struct FakeAnswer: Sendable {
    /// The answer's text, one piece per streamed chunk.
    public var tokens: [String]
    /// nil: `stop` (OpenAI) or `end_turn` (Anthropic).
    public var finishReason: String?
    public var promptTokens: Int
    /// nil: the number of tokens.
    public var completionTokens: Int?
    /// OpenAI streams only: send `data: [DONE]` after the last chunk.
    public var sendDone: Bool
    /// How the stream is framed and written.
    public var framing: FakeFraming

    public init(
        tokens: [String] = ["Hello", ",", " world", "!"], finishReason: String? = nil, promptTokens: Int = 12,
        completionTokens: Int? = nil, sendDone: Bool = true, framing: FakeFraming = FakeFraming()
    ) {
        self.tokens = tokens
        self.finishReason = finishReason
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.sendDone = sendDone
        self.framing = framing
    }

    /// The answer's text.
    public var text: String { tokens.joined() }
}

/// SSE framing and write pattern of a streamed answer: the edge cases a parser must survive.
public struct FakeFraming: Sendable {
    public enum LineEnding: String, Sendable, CaseIterable {
        case lf = "\n"
        case crlf = "\r\n"
        case cr = "\r"
    }

    /// How the body is cut into writes (each write is flushed on its own, so pieces reach the client in
    /// separate TCP segments when `pause` gives them time to).
    public enum Writes: Sendable, Hashable {
        /// One write per SSE event.
        case perEvent
        /// The whole stream in one write.
        case whole
        /// One byte per write.
        case bytewise
        /// Pieces of 1...maxSize bytes, from a seeded generator.
        case random(seed: UInt64, maxSize: Int)
    }

    public var lineEnding: LineEnding
    /// Splits each JSON object over several `data:` lines (at top-level commas; the joined data is still the
    /// same JSON) and omits the optional space after some `data:`.
    public var multiLineData: Bool
    /// Adds comment lines (`: …`) between events.
    public var comments: Bool
    public var writes: Writes
    /// Pause before each write (a slow drip when large).
    public var pause: Duration

    public init(
        lineEnding: LineEnding = .lf, multiLineData: Bool = false, comments: Bool = false,
        writes: Writes = .perEvent, pause: Duration = .zero
    ) {
        self.lineEnding = lineEnding
        self.multiLineData = multiLineData
        self.comments = comments
        self.writes = writes
        self.pause = pause
    }

    /// Every edge case at once, written in odd-sized pieces.
    public static func hostile(seed: UInt64 = 1) -> FakeFraming {
        FakeFraming(
            lineEnding: .crlf, multiLineData: true, comments: true, writes: .random(seed: seed, maxSize: 7),
            pause: .milliseconds(1))
    }
}

/// A model the fake lists.
public struct FakeModel: Sendable, Hashable {
    public var id: String
    public var ownedBy: String
    public var displayName: String?
    public var contextLength: Int?

    public init(id: String, ownedBy: String = "fake", displayName: String? = nil, contextLength: Int? = nil) {
        self.id = id
        self.ownedBy = ownedBy
        self.displayName = displayName
        self.contextLength = contextLength
    }
}

/// One request as the fake provider received it.
public struct FakeRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [(name: String, value: String)]
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The route it matched, nil for an unknown path.
    public var route: FakeProvider.Route?
    /// The `model` of the JSON body, if any.
    public var model: String?

    /// The first value of header `name`, ignoring case.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The body as UTF-8 text.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// A tiny deterministic generator (SplitMix64) for reproducible write patterns and randomised tests.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
