import MRConfig

/// One upstream API (NVIDIA's catalog, OpenAI, Anthropic, the simulator…) behind one interface.
///
/// Every adapter turns its wire format into the same values: a model list, and for chat one internal
/// event stream (`ChatEvent`), whether the upstream call was streamed or not. Failures are
/// `ProviderError`s already classified the way probes and routing need them.
public protocol ProviderAdapter: Sendable {
    /// The provider's configured id (`nvidia`, `demo`, …).
    var id: String { get }
    var type: ProviderType { get }
    /// True for the in-process simulator: everything it serves is labelled simulated.
    var isSimulated: Bool { get }

    /// What the provider says it serves (`GET {base_url}/models`).
    func listModels() async throws(ProviderError) -> [DiscoveredModel]

    /// Starts a chat. Throws for failures before the response starts (status errors, connect failures,
    /// first-token timeout); later failures end the returned stream with a thrown `ProviderError`.
    /// A stream that ends without a `.finish` event was cut: consumers must treat that as an error.
    func chat(_ request: ChatRequest) async throws(ProviderError) -> ChatStream

    /// Embeds `request.input`. Providers without embeddings throw `ProviderError.unsupported`.
    func embed(_ request: EmbeddingRequest) async throws(ProviderError) -> EmbeddingResult
}

/// A model as a provider's listing describes it, before merging with config and inference.
public struct DiscoveredModel: Sendable, Hashable {
    /// The provider's own id for the model (sent back as `model` in requests).
    public var upstreamID: String
    /// `owned_by` or the equivalent, when the listing has one.
    public var ownedBy: String?
    public var displayName: String?
    public var contextLength: Int?
    /// Capabilities the listing states outright (e.g. Anthropic vision); inference adds the rest.
    public var declaredCapabilities: [Capability]
    /// Free-form hints from the listing (`type`, `modalities`, …) used by capability inference.
    public var hints: [String]
    public var inputCostPerMTok: Double?
    public var outputCostPerMTok: Double?

    public init(
        upstreamID: String, ownedBy: String? = nil, displayName: String? = nil, contextLength: Int? = nil,
        declaredCapabilities: [Capability] = [], hints: [String] = [], inputCostPerMTok: Double? = nil,
        outputCostPerMTok: Double? = nil
    ) {
        self.upstreamID = upstreamID
        self.ownedBy = ownedBy
        self.displayName = displayName
        self.contextLength = contextLength
        self.declaredCapabilities = declaredCapabilities
        self.hints = hints
        self.inputCostPerMTok = inputCostPerMTok
        self.outputCostPerMTok = outputCostPerMTok
    }
}

/// One chat message.
public struct ChatMessage: Sendable, Hashable, Codable {
    /// `system`, `user` or `assistant`.
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// Limits on one upstream call (the SPEC's three routing timeouts, plus connect).
public struct ChatTimeouts: Sendable, Hashable {
    public var connect: Duration
    /// Until the first token (or the whole answer, when not streamed).
    public var firstToken: Duration
    /// Between two chunks.
    public var idle: Duration
    /// The whole call.
    public var total: Duration

    public init(
        connect: Duration = .seconds(10), firstToken: Duration = .seconds(30), idle: Duration = .seconds(30),
        total: Duration = .seconds(300)
    ) {
        self.connect = connect
        self.firstToken = firstToken
        self.idle = idle
        self.total = total
    }
}

/// Who is asking: real traffic goes before probes when a provider's rate limit is tight.
public enum CallPriority: Sendable, Hashable {
    case traffic
    case probe
}

/// A chat call to one deployment.
public struct ChatRequest: Sendable, Hashable {
    /// The provider's id for the model.
    public var model: String
    public var messages: [ChatMessage]
    /// A system prompt, sent the provider's way (a message for OpenAI, `system` for Anthropic).
    public var system: String?
    public var temperature: Double?
    public var maxTokens: Int?
    /// Ask upstream to stream. Either way the adapter yields `ChatEvent`s.
    public var stream: Bool
    public var timeouts: ChatTimeouts
    public var priority: CallPriority
    /// The caller reads the whole answer before using it (a client that did not stream): the transfer is short-lived
    /// and may use a larger receive buffer.
    public var wholeAnswer = false

    public init(
        model: String, messages: [ChatMessage], system: String? = nil, temperature: Double? = nil,
        maxTokens: Int? = nil, stream: Bool = true, timeouts: ChatTimeouts = ChatTimeouts(),
        priority: CallPriority = .traffic
    ) {
        self.priority = priority
        self.model = model
        self.messages = messages
        self.system = system
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.stream = stream
        self.timeouts = timeouts
    }
}

/// Token counts as the provider reported them.
public struct Usage: Sendable, Hashable, Codable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int { promptTokens + completionTokens }

    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

/// The internal chat event stream every adapter produces.
public enum ChatEvent: Sendable, Hashable {
    /// A piece of the answer's text.
    case token(String)
    /// Token counts (may come before or after `finish`, or not at all).
    case usage(Usage)
    /// The answer is complete; `reason` is the provider's (`stop`, `length`, `end_turn`, …).
    case finish(reason: String)
}

/// The events of one chat call. Iteration throws `ProviderError` when the call fails mid-stream;
/// cancelling the iterating task aborts the upstream transfer.
public struct ChatStream: AsyncSequence, Sendable {
    public typealias Element = ChatEvent
    public typealias Failure = ProviderError

    private enum Source: Sendable {
        case stream(AsyncThrowingStream<ChatEvent, any Error>)
        case reader(any ChatEventReader)
    }

    private let source: Source

    /// Wraps an `AsyncThrowingStream` whose errors are `ProviderError`s (others become `.invalidResponse`).
    public init(_ stream: AsyncThrowingStream<ChatEvent, any Error>) {
        self.source = .stream(stream)
    }

    /// Events pulled by the consumer straight from `reader` (iterate the stream once).
    init(reader: any ChatEventReader) {
        self.source = .reader(reader)
    }

    public func makeAsyncIterator() -> Iterator {
        switch source {
        case .stream(let stream): Iterator(base: stream.makeAsyncIterator(), reader: nil)
        case .reader(let reader): Iterator(base: nil, reader: reader)
        }
    }

    public struct Iterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<ChatEvent, any Error>.AsyncIterator?
        let reader: (any ChatEventReader)?

        public mutating func next() async throws(ProviderError) -> ChatEvent? {
            if let reader { return try await reader.next() }
            return try await nextFromStream()
        }

        /// Out of line: the stream path's frame is allocated only by the (simulated) calls that take it, not
        /// by every routed stream's consumer, which holds this frame for the stream's life.
        @inline(never)
        mutating func nextFromStream() async throws(ProviderError) -> ChatEvent? {
            guard var iterator = base else { return nil }
            defer { base = iterator }
            do {
                return try await iterator.next()
            } catch let error as ProviderError {
                throw error
            } catch is CancellationError {
                throw ProviderError.cancelled
            } catch {
                throw ProviderError.invalidResponse("\(error)")
            }
        }
    }
}

/// A source of chat events read by the stream's one consumer (the adapters' streamed answers).
protocol ChatEventReader: AnyObject, Sendable {
    /// The next event, nil at the end; throws ``ProviderError`` when the call fails.
    func next() async throws(ProviderError) -> ChatEvent?
}

/// An embeddings call.
public struct EmbeddingRequest: Sendable, Hashable {
    public var model: String
    public var input: [String]
    public var timeouts: ChatTimeouts
    public var priority: CallPriority

    public init(
        model: String, input: [String], timeouts: ChatTimeouts = ChatTimeouts(), priority: CallPriority = .traffic
    ) {
        self.priority = priority
        self.model = model
        self.input = input
        self.timeouts = timeouts
    }
}

/// Vectors in input order.
public struct EmbeddingResult: Sendable, Hashable {
    public var vectors: [[Double]]
    public var usage: Usage?

    public init(vectors: [[Double]], usage: Usage?) {
        self.vectors = vectors
        self.usage = usage
    }
}
