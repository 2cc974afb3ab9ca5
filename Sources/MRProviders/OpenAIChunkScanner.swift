import MRCommon

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A fast path for the one JSON shape read once per streamed token: OpenAI's `chat.completion.chunk`.
///
/// Foundation's `JSONDecoder` costs tens of microseconds per chunk (it builds a map of the whole document,
/// then walks it through the `Decodable` machinery); at a dozen chunks per answer that was most of the
/// router's own CPU time. This scanner reads the bytes once, keeps only what the decoder needs (choice 0's
/// `delta.content` / `message.content` and `finish_reason`, and `usage`), and skips everything else without
/// building it.
///
/// It answers nil for anything it does not fully understand (an `error` object, a type other than the
/// expected one in a field it reads, invalid JSON or UTF-8): the caller then falls back to `JSONDecoder`, so
/// the result is never less strict or different from the slow path's, only faster.
enum OpenAIChunkScanner {
    /// What one chunk says.
    struct Chunk: Equatable {
        /// Texts of the choices with index 0 (normally one), in order; empty texts included.
        var texts: [String] = []
        /// The last non-null finish reason among those choices.
        var finishReason: String?
        var usage: Usage?
    }

    /// The chunk's fields, or nil when the slow path must decide.
    static func scan(_ data: [UInt8]) -> Chunk? {
        JSONScanner.document(data) { $0.openAIChunk() }
    }
}

extension JSONScanner {
    fileprivate mutating func openAIChunk() -> OpenAIChunkScanner.Chunk? {
        var chunk = OpenAIChunkScanner.Chunk()
        let complete = object(key: { $0.chunkKey() }) { scanner, key in
            switch key {
            case .choices:
                if scanner.null() { return true }
                return scanner.array { scanner in scanner.choice(into: &chunk) }
            case .usage:
                if scanner.null() { return true }
                guard let usage = scanner.usage() else { return false }
                chunk.usage = usage
                return true
            case .error:
                return scanner.null()  // a real error object: the slow path builds the failure
            default:
                return scanner.skipValue()
            }
        }
        return complete ? chunk : nil
    }

    fileprivate mutating func choice(into chunk: inout OpenAIChunkScanner.Chunk) -> Bool {
        var index = 0
        var deltaText: String?
        var messageText: String?
        var finish: String?
        let complete = object(key: { $0.chunkKey() }) { scanner, key in
            switch key {
            case .index:
                if scanner.null() { return true }
                guard let value = scanner.integer() else { return false }
                index = value
                return true
            case .delta, .message:
                if scanner.null() { return true }
                let isDelta = key == .delta
                return scanner.object(key: { $0.chunkKey() }) { scanner, inner in
                    guard inner == .content else { return scanner.skipValue() }
                    if scanner.null() { return true }
                    guard let value = scanner.string() else { return false }
                    if isDelta { deltaText = value } else { messageText = value }
                    return true
                }
            case .finishReason:
                if scanner.null() { return true }
                guard let value = scanner.string() else { return false }
                finish = value
                return true
            default:
                return scanner.skipValue()
            }
        }
        guard complete else { return false }
        if index == 0 {
            // `delta.content` wins over `message.content`, as in the slow path.
            if let text = deltaText ?? messageText { chunk.texts.append(text) }
            if let finish, !finish.isEmpty { chunk.finishReason = finish }
        }
        return true
    }

    fileprivate mutating func usage() -> Usage? {
        var prompt: Int?
        var completion: Int?
        let complete = object(key: { $0.chunkKey() }) { scanner, key in
            switch key {
            case .promptTokens, .completionTokens:
                if scanner.null() { return true }
                guard let value = scanner.integer() else { return false }
                if key == .promptTokens { prompt = value } else { completion = value }
                return true
            default:
                return scanner.skipValue()
            }
        }
        return complete ? Usage(promptTokens: prompt ?? 0, completionTokens: completion ?? 0) : nil
    }

    /// The keys the shape reads; everything else is `other` and skipped.
    fileprivate enum ChunkKey {
        case choices, usage, error, index, delta, message, content, finishReason, promptTokens, completionTokens
        case other
    }

    /// Reads an object key (a string with no escapes, which every key the shape knows is).
    fileprivate mutating func chunkKey() -> ChunkKey? {
        // Escaped keys (never one the shape knows) give up: the slow path judges.
        guard let name = plainStringBytes() else { return nil }
        // By length, then the bytes: a key costs a switch and one comparison.
        func matches(_ text: StaticString) -> Bool { memcmp(name.baseAddress!, text.utf8Start, name.count) == 0 }
        switch name.count {
        case 5:
            if matches("usage") { return .usage }
            if matches("index") { return .index }
            if matches("delta") { return .delta }
            if matches("error") { return .error }
        case 7:
            if matches("choices") { return .choices }
            if matches("content") { return .content }
            if matches("message") { return .message }
        case 13:
            if matches("finish_reason") { return .finishReason }
            if matches("prompt_tokens") { return .promptTokens }
        case 17:
            if matches("completion_tokens") { return .completionTokens }
        default:
            break
        }
        return .other
    }
}
