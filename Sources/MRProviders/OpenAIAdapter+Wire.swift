/// OpenAI's JSON shapes, as far as the adapter needs them. Decoding is lenient: fields that vendors of
/// "OpenAI-compatible" APIs omit, null or type differently are optional.
enum OpenAIWire {
    struct ChatBody: Encodable {
        var model: String
        var messages: [ChatMessage]
        var temperature: Double?
        var maxTokens: Int?
        var stream: Bool
        var streamOptions: StreamOptions?

        struct StreamOptions: Encodable {
            var includeUsage: Bool
            enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
        }

        enum CodingKeys: String, CodingKey {
            case model, messages, temperature, stream
            case maxTokens = "max_tokens"
            case streamOptions = "stream_options"
        }
    }

    /// A streamed `chat.completion.chunk`, a non-streamed `chat.completion`, or an error object in the stream.
    struct Completion: Decodable {
        var choices: [Choice]?
        var usage: TokenUsage?
        var error: UpstreamError?
    }

    struct Choice: Decodable {
        var index: Int?
        var delta: Content?
        var message: Content?
        var finishReason: String?
        enum CodingKeys: String, CodingKey {
            case index, delta, message
            case finishReason = "finish_reason"
        }
    }

    struct Content: Decodable {
        var content: String?
    }

    struct TokenUsage: Decodable {
        var promptTokens: Int?
        var completionTokens: Int?
        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
        }
        var usage: Usage { Usage(promptTokens: promptTokens ?? 0, completionTokens: completionTokens ?? 0) }
    }

    struct EmbeddingBody: Encodable {
        var model: String
        var input: [String]
        var encodingFormat = "float"
        enum CodingKeys: String, CodingKey {
            case model, input
            case encodingFormat = "encoding_format"
        }
    }

    struct EmbeddingList: Decodable {
        var data: [Embedding]
        var usage: TokenUsage?
        struct Embedding: Decodable {
            var index: Int?
            var embedding: [Double]
        }
    }

    /// `GET /models`: `{"object": "list", "data": [...]}`.
    struct ModelList: Decodable {
        var data: [Model]

        enum CodingKeys: String, CodingKey { case data }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            // One odd entry must not lose the whole listing.
            data = try container.decode([Lenient<Model>].self, forKey: .data).compactMap(\.value)
        }
    }

    /// One listed model. Beyond OpenAI's `id`/`owned_by`, vendors add a context length under several names
    /// (`context_length`: OpenRouter, Together; `context_window`: Groq; `max_model_len`: vLLM), a display name,
    /// a type, modalities and prices.
    struct Model: Decodable {
        var id: String
        var ownedBy: String?
        var name: String?
        var contextLength: Int?
        var hints: [String] = []
        var inputCostPerMTok: Double?
        var outputCostPerMTok: Double?

        enum CodingKeys: String, CodingKey {
            case id, name, type, pricing, architecture
            case ownedBy = "owned_by"
            case displayName = "display_name"
            case contextLength = "context_length"
            case contextWindow = "context_window"
            case maxModelLength = "max_model_len"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            ownedBy = try? container.decodeIfPresent(String.self, forKey: .ownedBy)
            name =
                (try? container.decodeIfPresent(String.self, forKey: .displayName))
                ?? (try? container.decodeIfPresent(String.self, forKey: .name))
            contextLength =
                [CodingKeys.contextLength, .contextWindow, .maxModelLength].lazy
                .compactMap { try? container.decodeIfPresent(Int.self, forKey: $0) }.first
            if let type = try? container.decodeIfPresent(String.self, forKey: .type) { hints.append("type:\(type)") }
            if let architecture = try? container.decodeIfPresent(Architecture.self, forKey: .architecture) {
                if let modality = architecture.modality { hints.append("modality:\(modality)") }
                hints += (architecture.inputModalities ?? []).map { "input:\($0)" }
            }
            if let pricing = try? container.decodeIfPresent(Pricing.self, forKey: .pricing) {
                inputCostPerMTok = pricing.inputPerMTok
                outputCostPerMTok = pricing.outputPerMTok
            }
        }
    }

    struct Architecture: Decodable {
        var modality: String?
        var inputModalities: [String]?
        enum CodingKeys: String, CodingKey {
            case modality
            case inputModalities = "input_modalities"
        }
    }

    /// OpenRouter: `prompt`/`completion` in dollars per token, as strings. Together: `input`/`output` in
    /// dollars per million tokens, as numbers.
    struct Pricing: Decodable {
        var inputPerMTok: Double?
        var outputPerMTok: Double?

        enum CodingKeys: String, CodingKey { case prompt, completion, input, output }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            func number(_ key: CodingKeys) -> Double? {
                if let value = try? container.decodeIfPresent(Double.self, forKey: key) { return value }
                if let text = try? container.decodeIfPresent(String.self, forKey: key) { return Double(text) }
                return nil
            }
            if let prompt = number(.prompt), prompt >= 0 { inputPerMTok = prompt * 1_000_000 }
            if let completion = number(.completion), completion >= 0 { outputPerMTok = completion * 1_000_000 }
            if let input = number(.input), input >= 0 { inputPerMTok = input }
            if let output = number(.output), output >= 0 { outputPerMTok = output }
        }
    }
}

/// Decodes to nil instead of failing, for list entries that may be malformed.
struct Lenient<Value: Decodable>: Decodable {
    var value: Value?
    init(from decoder: any Decoder) throws {
        value = try? Value(from: decoder)
    }
}
