import MRConfig
import MRHTTPClient

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Any OpenAI-compatible API (`type: openai`): NVIDIA's API catalog, OpenAI, OpenRouter, Groq, Together, vLLM,
/// Ollama's `/v1`.
///
/// `GET {base}/models`, `POST {base}/chat/completions` (streamed with `stream_options.include_usage`, or not) and
/// `POST {base}/embeddings`, authenticated with `Authorization: Bearer <key>` (no header without a key).
public struct OpenAIAdapter: ProviderAdapter {
    public let id: String
    public var type: ProviderType { .openai }
    public var isSimulated: Bool { false }
    /// Limits for `listModels` (the model list can be large: OpenRouter's is megabytes).
    public var listTimeouts: ChatTimeouts

    let endpoint: ProviderEndpoint

    /// - Parameters:
    ///   - baseURL: the API root, e.g. `https://integrate.api.nvidia.com/v1` (a trailing slash is ignored).
    ///   - apiKey: sent as a bearer token; nil or empty sends no `Authorization` header.
    public init(
        id: String, baseURL: String, apiKey: String?, client: HTTPClient,
        listTimeouts: ChatTimeouts = ChatTimeouts(firstToken: .seconds(30), total: .seconds(60))
    ) {
        self.id = id
        self.endpoint = ProviderEndpoint(providerID: id, baseURL: baseURL, apiKey: apiKey, client: client)
        self.listTimeouts = listTimeouts
    }

    /// An adapter for a configured provider (its `base_url` and `api_key`).
    public init(config: ProviderConfig, client: HTTPClient) {
        self.init(id: config.id, baseURL: config.baseURL ?? "", apiKey: config.apiKey, client: client)
    }

    var authHeaders: [(String, String)] {
        endpoint.apiKey.map { [("Authorization", "Bearer \($0)")] } ?? []
    }

    // MARK: Models

    public func listModels() async throws(ProviderError) -> [DiscoveredModel] {
        let request = endpoint.jsonRequest(
            "models", method: "GET", headers: authHeaders, body: nil, timeouts: listTimeouts.streamingClientTimeouts)
        let body = try await endpoint.fetch(request, timeouts: listTimeouts)
        guard let list = try? JSONDecoder().decode(OpenAIWire.ModelList.self, from: Data(body)) else {
            throw endpoint.invalidBody("not an OpenAI model list", body)
        }
        return list.data.map { model in
            DiscoveredModel(
                upstreamID: model.id, ownedBy: model.ownedBy, displayName: model.name,
                contextLength: model.contextLength, hints: model.hints, inputCostPerMTok: model.inputCostPerMTok,
                outputCostPerMTok: model.outputCostPerMTok)
        }
    }

    // MARK: Chat

    public func chat(_ request: ChatRequest) async throws(ProviderError) -> ChatStream {
        try await endpoint.chat(
            try chatHTTPRequest(request), streamed: request.stream, decoder: OpenAIStreamDecoder(endpoint: endpoint),
            timeouts: request.timeouts)
    }

    /// The upstream request (kept out of line: see ``ProviderEndpoint/chat(_:streamed:decoder:timeouts:)``).
    @inline(never)
    func chatHTTPRequest(_ request: ChatRequest) throws(ProviderError) -> HTTPClientRequest {
        var messages = request.messages
        if let system = request.system, !system.isEmpty {
            messages.insert(ChatMessage(role: "system", content: system), at: 0)
        }
        let body = OpenAIWire.ChatBody(
            model: request.model, messages: messages, temperature: request.temperature, maxTokens: request.maxTokens,
            stream: request.stream, streamOptions: request.stream ? .init(includeUsage: true) : nil)
        return endpoint.chatRequest("chat/completions", headers: authHeaders, body: try chatBytes(body), for: request)
    }

    // MARK: Embeddings

    public func embed(_ request: EmbeddingRequest) async throws(ProviderError) -> EmbeddingResult {
        let body = OpenAIWire.EmbeddingBody(model: request.model, input: request.input)
        let httpRequest = endpoint.jsonRequest(
            "embeddings", headers: authHeaders, body: try encode(body),
            timeouts: request.timeouts.oneShotClientTimeouts)
        var oneShot = request.timeouts
        oneShot.total = min(oneShot.total, oneShot.firstToken)
        let bytes = try await endpoint.fetch(httpRequest, timeouts: oneShot)
        guard let list = try? JSONDecoder().decode(OpenAIWire.EmbeddingList.self, from: Data(bytes)) else {
            throw endpoint.invalidBody("not an OpenAI embedding list", bytes)
        }
        guard list.data.count == request.input.count else {
            throw endpoint.failure(
                .error, "invalid response: \(list.data.count) embeddings for \(request.input.count) inputs")
        }
        let ordered = list.data.enumerated().sorted {
            ($0.element.index ?? $0.offset) < ($1.element.index ?? $1.offset)
        }
        return EmbeddingResult(vectors: ordered.map(\.element.embedding), usage: list.usage?.usage)
    }

    private func chatBytes(_ body: OpenAIWire.ChatBody) throws(ProviderError) -> [UInt8] {
        guard let bytes = body.jsonBytes() else {
            throw endpoint.failure(.error, "cannot encode the request: the temperature is not a finite number")
        }
        return bytes
    }

    private func encode(_ value: some Encodable) throws(ProviderError) -> [UInt8] {
        do {
            return Array(try JSONEncoder().encode(value))
        } catch {
            throw endpoint.failure(.error, "cannot encode the request: \(error)")
        }
    }
}
