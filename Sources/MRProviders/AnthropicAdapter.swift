import MRConfig
import MRHTTPClient

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Anthropic's Messages API (`type: anthropic`): `GET {base}/models` (paginated) and `POST {base}/messages`,
/// streamed or not, authenticated with `x-api-key` and `anthropic-version: 2023-06-01`. No embeddings.
public struct AnthropicAdapter: ProviderAdapter {
    /// `max_tokens` is required by the API; this is sent when the request leaves it open.
    public static let defaultMaxTokens = 1024
    /// Pages of the model list read at most (1,000 models each).
    public static let maxModelPages = 10

    public let id: String
    public var type: ProviderType { .anthropic }
    public var isSimulated: Bool { false }
    /// Limits for each page of `listModels`.
    public var listTimeouts: ChatTimeouts

    let endpoint: ProviderEndpoint

    /// - Parameters:
    ///   - baseURL: the API root including the version, e.g. `https://api.anthropic.com/v1`.
    ///   - apiKey: sent as `x-api-key`; nil or empty sends none.
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

    var headers: [(String, String)] {
        var headers = [("anthropic-version", AnthropicWire.version)]
        if let key = endpoint.apiKey { headers.append(("x-api-key", key)) }
        return headers
    }

    // MARK: Models

    public func listModels() async throws(ProviderError) -> [DiscoveredModel] {
        var models: [DiscoveredModel] = []
        var afterID: String?
        for _ in 0..<Self.maxModelPages {
            var path = "models?limit=1000"
            if let afterID { path += "&after_id=" + percentEncoded(afterID) }
            let request = endpoint.jsonRequest(
                path, method: "GET", headers: headers, body: nil, timeouts: listTimeouts.streamingClientTimeouts)
            let body = try await endpoint.fetch(request, timeouts: listTimeouts)
            guard let page = try? JSONDecoder().decode(AnthropicWire.ModelPage.self, from: Data(body)) else {
                throw endpoint.invalidBody("not an Anthropic model list", body)
            }
            models += page.data.map(Self.discovered)
            guard page.hasMore == true, let last = page.lastID ?? page.data.last?.id, last != afterID else { break }
            afterID = last
        }
        return models
    }

    static func discovered(_ model: AnthropicWire.Model) -> DiscoveredModel {
        var capabilities: [Capability] = [.chat]
        if let image = model.capabilities?.imageInput?.supported {
            if image { capabilities.append(.vision) }
        } else if !model.id.hasPrefix("claude-2") && !model.id.hasPrefix("claude-instant") {
            capabilities.append(.vision)  // every Claude since 3 reads images
        }
        return DiscoveredModel(
            upstreamID: model.id, ownedBy: "anthropic", displayName: model.displayName,
            contextLength: model.maxInputTokens, declaredCapabilities: capabilities,
            hints: model.type.map { ["type:\($0)"] } ?? [])
    }

    // MARK: Chat

    public func chat(_ request: ChatRequest) async throws(ProviderError) -> ChatStream {
        try await endpoint.chat(
            try chatHTTPRequest(request), streamed: request.stream,
            decoder: AnthropicStreamDecoder(endpoint: endpoint), timeouts: request.timeouts)
    }

    /// The upstream request (kept out of line: see ``ProviderEndpoint/chat(_:streamed:decoder:timeouts:)``).
    @inline(never)
    func chatHTTPRequest(_ request: ChatRequest) throws(ProviderError) -> HTTPClientRequest {
        // The API takes the system prompt apart; system-role messages join it, in order.
        var systemParts = request.system.map { [$0] } ?? []
        systemParts += request.messages.filter { $0.role == "system" }.map(\.content)
        let system = systemParts.filter { !$0.isEmpty }.joined(separator: "\n\n")
        let body = AnthropicWire.MessagesBody(
            model: request.model, maxTokens: request.maxTokens ?? Self.defaultMaxTokens,
            system: system.isEmpty ? nil : system, messages: request.messages.filter { $0.role != "system" },
            stream: request.stream, temperature: request.temperature)
        let encoded: [UInt8]
        do {
            encoded = Array(try JSONEncoder().encode(body))
        } catch {
            throw endpoint.failure(.error, "cannot encode the request: \(error)")
        }
        return endpoint.chatRequest("messages", headers: headers, body: encoded, for: request)
    }

    // MARK: Embeddings

    /// Anthropic has no embeddings endpoint.
    public func embed(_ request: EmbeddingRequest) async throws(ProviderError) -> EmbeddingResult {
        throw .unsupported("Anthropic's API has no embeddings")
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters, for a query value.
func percentEncoded(_ text: String) -> String {
    var result = ""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            result.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            let hex = Array("0123456789ABCDEF".utf8)
            result += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
        }
    }
    return result
}
