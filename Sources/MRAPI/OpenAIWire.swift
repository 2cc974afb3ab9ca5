import MRCommon
import MRProviders
import MRRouting
import MRWeb
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// OpenAI's chat completion and embedding shapes, exactly as the official SDKs parse them, written straight
/// into bytes. A stream is `data: {chat.completion.chunk}` events (a first chunk with the role, one per
/// token, a last one with the finish reason, an optional usage chunk with empty `choices`) ending in
/// `data: [DONE]`; a failure mid-stream is `data: {"error": {…}}` and no `[DONE]`.
struct OpenAIChunks: Sendable {
    let includeUsage: Bool
    /// `data: {"id":…,"object":"chat.completion.chunk","created":…,"model":…,"system_fingerprint":null,"choices":[`
    private let prefix: [UInt8]

    init(id: String, created: Int, model: String, includeUsage: Bool) {
        self.includeUsage = includeUsage
        var bytes: [UInt8] = Array("data: {\"id\":".utf8)
        JSONWriter.appendString(id, to: &bytes)
        bytes.append(contentsOf: ",\"object\":\"chat.completion.chunk\",\"created\":\(created),\"model\":".utf8)
        JSONWriter.appendString(model, to: &bytes)
        bytes.append(contentsOf: ",\"system_fingerprint\":null,\"choices\":[".utf8)
        prefix = bytes
    }

    private var suffix: String { includeUsage ? "],\"usage\":null}\n\n" : "]}\n\n" }

    /// The first chunk: the assistant role and empty content.
    var roleChunk: [UInt8] {
        prefix
            + Array(
                "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}"
                    .utf8) + Array(suffix.utf8)
    }

    /// One piece of text.
    func contentChunk(_ text: String) -> [UInt8] {
        var bytes = prefix
        bytes.reserveCapacity(prefix.count + text.utf8.count + 96)
        bytes.append(contentsOf: "{\"index\":0,\"delta\":{\"content\":".utf8)
        JSONWriter.appendString(text, to: &bytes)
        bytes.append(contentsOf: "},\"logprobs\":null,\"finish_reason\":null}".utf8)
        bytes.append(contentsOf: suffix.utf8)
        return bytes
    }

    /// The last choice chunk: empty delta and the finish reason.
    func finishChunk(_ reason: String) -> [UInt8] {
        var bytes = prefix
        bytes.append(contentsOf: "{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":".utf8)
        JSONWriter.appendString(reason, to: &bytes)
        bytes.append(contentsOf: "}".utf8)
        bytes.append(contentsOf: suffix.utf8)
        return bytes
    }

    /// The usage chunk (`include_usage`): no choices, the token counts (zeros when upstream sent none).
    func usageChunk(_ usage: Usage?) -> [UInt8] {
        let usage = usage ?? Usage(promptTokens: 0, completionTokens: 0)
        return prefix
            + Array(
                ("],\"usage\":{\"prompt_tokens\":\(usage.promptTokens),\"completion_tokens\":\(usage.completionTokens),"
                    + "\"total_tokens\":\(usage.totalTokens)}}\n\n").utf8)
    }

    static let done: [UInt8] = Array("data: [DONE]\n\n".utf8)

    /// A failure after the stream started, in OpenAI's error shape (the SDK raises `APIError` on it).
    static func errorChunk(_ error: any HTTPResponseError) -> [UInt8] {
        var json = JSONWriter()
        json.object { object in
            object.objectField("error") { fields in
                fields.field("message", error.detail)
                fields.field("type", error.status == 504 ? "timeout_error" : "api_error")
                fields.field("param", nil as String?)
                fields.field("code", error.errorCode)
            }
        }
        return ServerSentEvents.data(json.bytes)
    }
}

enum OpenAIWire {
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)

    /// `chatcmpl-` and 24 characters that look random and never repeat within the process: a counter run through
    /// the SplitMix64 mixer under three per-process random keys. An identifier, not a secret, so no system random
    /// draws (one syscall each) per answer.
    static func completionID() -> String {
        let number = completionCounter.wrappingAdd(1, ordering: .relaxed).newValue
        var characters: [UInt8] = Array("chatcmpl-".utf8)
        characters.reserveCapacity(33)
        for key in completionKeys {
            var bits = SplitMix64.mix(number &+ key)
            for _ in 0..<8 {
                characters.append(alphabet[Int(bits % 62)])
                bits /= 62
            }
        }
        return String(decoding: characters, as: UTF8.self)
    }

    private static let completionCounter = Atomic<UInt64>(0)
    private static let completionKeys = (0..<3).map { _ in UInt64.random(in: .min ... .max) }

    static var now: Int { Int(Date().timeIntervalSince1970) }

    /// A non-streamed `chat.completion`, with `usage` (zeros when upstream sent none).
    static func completion(_ completion: ChatCompletion, id: String, created: Int) -> [UInt8] {
        let usage = completion.usage ?? Usage(promptTokens: 0, completionTokens: 0)
        var json = JSONWriter(capacity: completion.text.utf8.count + 384)
        json.object { object in
            object.field("id", id)
            object.field("object", "chat.completion")
            object.field("created", created)
            object.field("model", completion.trace.model)
            object.rawField(
                "choices",
                json: chatChoice(text: completion.text, finishReason: completion.finishReason))
            object.objectField("usage") { fields in
                fields.field("prompt_tokens", usage.promptTokens)
                fields.field("completion_tokens", usage.completionTokens)
                fields.field("total_tokens", usage.totalTokens)
            }
            object.field("system_fingerprint", nil as String?)
        }
        return json.bytes
    }

    private static func chatChoice(text: String, finishReason: String) -> [UInt8] {
        var bytes: [UInt8] = Array("[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":".utf8)
        JSONWriter.appendString(text, to: &bytes)
        bytes.append(contentsOf: "},\"logprobs\":null,\"finish_reason\":".utf8)
        JSONWriter.appendString(finishReason, to: &bytes)
        bytes.append(contentsOf: "}]".utf8)
        return bytes
    }

    /// `{"object": "list", "data": [{"object": "embedding", "index", "embedding"}], "model", "usage"}`;
    /// `base64` encodes each vector as little-endian float32, as OpenAI does.
    static func embeddings(_ result: EmbeddingResult, model: String, base64: Bool) -> [UInt8] {
        let usage = result.usage ?? Usage(promptTokens: 0, completionTokens: 0)
        var bytes: [UInt8] = Array("{\"object\":\"list\",\"data\":[".utf8)
        bytes.reserveCapacity(result.vectors.reduce(64) { $0 + $1.count * (base64 ? 6 : 20) + 64 })
        for (index, vector) in result.vectors.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: "{\"object\":\"embedding\",\"index\":\(index),\"embedding\":".utf8)
            if base64 {
                var raw: [UInt8] = []
                raw.reserveCapacity(vector.count * 4)
                for value in vector {
                    let bits = Float(value).bitPattern.littleEndian
                    withUnsafeBytes(of: bits) { raw.append(contentsOf: $0) }
                }
                JSONWriter.appendString(Data(raw).base64EncodedString(), to: &bytes)
            } else {
                bytes.append(UInt8(ascii: "["))
                for (position, value) in vector.enumerated() {
                    if position > 0 { bytes.append(UInt8(ascii: ",")) }
                    bytes.append(contentsOf: (value.isFinite ? String(value) : "0").utf8)
                }
                bytes.append(UInt8(ascii: "]"))
            }
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(contentsOf: "],\"model\":".utf8)
        JSONWriter.appendString(model, to: &bytes)
        bytes.append(
            contentsOf: ",\"usage\":{\"prompt_tokens\":\(usage.promptTokens),\"total_tokens\":\(usage.totalTokens)}}"
                .utf8)
        return bytes
    }
}

/// The body of `POST /v1/embeddings`: `input` is a string or a list of strings (token arrays are not
/// supported), `encoding_format` `float` or `base64`.
struct EmbeddingRequestBody: Decodable {
    var model: String?
    var input: Input?
    var encodingFormat: String?

    struct Input: Decodable {
        var texts: [String]
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                texts = [text]
            } else if let list = try? container.decode([String].self) {
                texts = list
            } else {
                throw APIError.validation(
                    "field 'input' must be a string or a list of strings (token arrays are not supported)")
            }
        }
    }

    enum CodingKeys: String, CodingKey {
        case model, input
        case encodingFormat = "encoding_format"
    }

    static let maximumInputs = 2048

    /// The JSON schema of the bodies ``parse(_:)`` accepts.
    static let schema: JSONValue = [
        "type": "object", "required": ["model", "input"],
        "properties": [
            "model": Route.Parameter.routedModelField,
            "input": [
                "anyOf": [
                    ["type": "string"],
                    ["type": "array", "minItems": 1, "items": ["type": "string"]],
                ],
                "description": .string(
                    "a text or a list of at most \(maximumInputs) texts (token arrays are not supported)"),
            ],
            "encoding_format": ["enum": ["float", "base64"]],
        ],
    ]

    static func parse(_ bytes: [UInt8]) throws -> EmbeddingRequestBody {
        let body = try JSONCoding.decode(EmbeddingRequestBody.self, from: bytes)
        guard let model = body.model, !model.isEmpty, model.utf8.count <= ChatRequestBody.maximumModelBytes else {
            throw APIError.validation("missing field 'model' (a model id, alias or auto)")
        }
        guard let texts = body.input?.texts, !texts.isEmpty else {
            throw APIError.validation("field 'input' must not be empty")
        }
        guard texts.count <= maximumInputs else {
            throw APIError.validation("field 'input' has more than \(maximumInputs) entries")
        }
        if let format = body.encodingFormat, format != "float" && format != "base64" {
            throw APIError.validation("field 'encoding_format' must be float or base64")
        }
        return body
    }
}

extension OpenAIChunks: ChatStreamFormat {
    var opening: [UInt8] { roleChunk }

    @inline(never)
    func token(_ text: String) -> [UInt8] { contentChunk(text) }

    /// The finish chunk, the usage chunk when the client asked for it, and `[DONE]`.
    @inline(never)
    func ending(_ session: ChatSession) -> [UInt8] {
        var tail = finishChunk(session.finishReason ?? "stop")
        if includeUsage { tail += usageChunk(session.usage) }
        return tail + Self.done
    }

    @inline(never)
    func failure(_ error: any HTTPResponseError) -> [UInt8] { Self.errorChunk(error) }
}
