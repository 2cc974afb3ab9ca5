/// Anthropic's Messages API JSON shapes, as far as the adapter needs them.
enum AnthropicWire {
    /// The API version sent in `anthropic-version`.
    static let version = "2023-06-01"

    struct MessagesBody: Encodable {
        var model: String
        var maxTokens: Int
        var system: String?
        var messages: [ChatMessage]
        var stream: Bool
        var temperature: Double?

        enum CodingKeys: String, CodingKey {
            case model, system, messages, stream, temperature
            case maxTokens = "max_tokens"
        }
    }

    /// A non-streamed `message`.
    struct Message: Decodable {
        var content: [ContentBlock]?
        var stopReason: String?
        var usage: TokenUsage?
        enum CodingKeys: String, CodingKey {
            case content, usage
            case stopReason = "stop_reason"
        }
    }

    struct ContentBlock: Decodable {
        var type: String?
        var text: String?
    }

    struct TokenUsage: Decodable {
        var inputTokens: Int?
        var outputTokens: Int?
        enum CodingKeys: String, CodingKey {
            case inputTokens = "input_tokens"
            case outputTokens = "output_tokens"
        }
    }

    /// Any streamed event: `message_start`, `content_block_start|delta|stop`, `message_delta`, `message_stop`,
    /// `ping`, `error`.
    struct StreamEvent: Decodable {
        var type: String
        var message: Message?
        var delta: Delta?
        var usage: TokenUsage?
        var error: UpstreamError?
    }

    /// `content_block_delta`'s `{type: text_delta, text}` or `message_delta`'s `{stop_reason}`.
    struct Delta: Decodable {
        var type: String?
        var text: String?
        var stopReason: String?
        enum CodingKeys: String, CodingKey {
            case type, text
            case stopReason = "stop_reason"
        }
    }

    /// `GET /v1/models`: a page of models, newest first.
    struct ModelPage: Decodable {
        var data: [Model]
        var hasMore: Bool?
        var lastID: String?

        enum CodingKeys: String, CodingKey {
            case data
            case hasMore = "has_more"
            case lastID = "last_id"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            data = try container.decode([Lenient<Model>].self, forKey: .data).compactMap(\.value)
            hasMore = try? container.decodeIfPresent(Bool.self, forKey: .hasMore)
            lastID = try? container.decodeIfPresent(String.self, forKey: .lastID)
        }
    }

    struct Model: Decodable {
        var id: String
        var displayName: String?
        var type: String?
        var maxInputTokens: Int?
        var capabilities: Capabilities?

        enum CodingKeys: String, CodingKey {
            case id, type, capabilities
            case displayName = "display_name"
            case maxInputTokens = "max_input_tokens"
        }
    }

    /// Newer listings say what a model supports, e.g. `{"image_input": {"supported": true}}`.
    struct Capabilities: Decodable {
        var imageInput: Support?
        enum CodingKeys: String, CodingKey { case imageInput = "image_input" }
        struct Support: Decodable { var supported: Bool? }
    }
}
