import MRCommon

/// Reads a chat request body straight from its bytes: the hot path of every chat call, where Foundation's
/// `JSONDecoder` cost about 10 % of a proxied request's CPU.
///
/// It only ever answers for bodies it reads exactly as `JSONDecoder` would (the equivalence is tested over a
/// corpus and random mutations): anything unusual (a type mismatch, a duplicate key, invalid UTF-8, a lone
/// surrogate, an integer written as `16.0`, nesting deeper than 64) returns nil, and the caller decodes with
/// `JSONDecoder`, which produces the canonical value or the error message naming the field.
enum ChatBodyReader {
    /// The body, or nil to let `JSONDecoder` decide.
    static func read(_ bytes: [UInt8]) -> ChatRequestBody? {
        JSONScanner.document(bytes) { $0.chatBody() }
    }
}

extension JSONScanner {
    fileprivate mutating func chatBody() -> ChatRequestBody? {
        var body = ChatRequestBody()
        var seen = KeysSeen()
        let complete = object { scanner, key in
            switch key {
            case "model": seen.first(0) && scanner.optionalString(&body.model)
            case "message": seen.first(1) && scanner.optionalString(&body.message)
            case "system": seen.first(2) && scanner.optionalString(&body.system)
            case "temperature": seen.first(3) && scanner.optional(&body.temperature) { $0.double() }
            case "max_tokens": seen.first(4) && scanner.optional(&body.maxTokens) { $0.integer() }
            case "max_completion_tokens": seen.first(5) && scanner.optional(&body.maxCompletionTokens) { $0.integer() }
            case "n": seen.first(6) && scanner.optional(&body.n) { $0.integer() }
            case "stream": seen.first(7) && scanner.optional(&body.stream) { $0.bool() }
            case "stream_options": seen.first(8) && scanner.optional(&body.streamOptions) { $0.streamOptions() }
            case "route": seen.first(9) && scanner.optional(&body.route) { $0.routeBody() }
            case "messages": seen.first(10) && scanner.optional(&body.messages) { $0.messages() }
            default: scanner.skipValue()
            }
        }
        return complete ? body : nil
    }

    private mutating func messages() -> [ChatRequestBody.Message]? {
        var messages: [ChatRequestBody.Message] = []
        let complete = array { scanner in
            guard let message = scanner.message() else { return false }
            messages.append(message)
            return true
        }
        return complete ? messages : nil
    }

    private mutating func message() -> ChatRequestBody.Message? {
        var role: String?
        var content: ChatRequestBody.Content?
        var seen = KeysSeen()
        let complete = object { scanner, key in
            switch key {
            case "role":
                guard seen.first(0) else { return false }
                role = scanner.string()
                return role != nil
            case "content": return seen.first(1) && scanner.optional(&content) { $0.content() }
            default: return scanner.skipValue(depth: 1)
            }
        }
        guard complete, let role else { return nil }
        return ChatRequestBody.Message(role: role, content: content)
    }

    /// A string, or a list of content parts (only their `type` and `text` matter).
    private mutating func content() -> ChatRequestBody.Content? {
        if peek == UInt8(ascii: "\"") {
            return string().map { ChatRequestBody.Content(text: $0, unsupportedPart: nil) }
        }
        var parts: [(type: String, text: String?)] = []
        let complete = array { scanner in
            var type: String?
            var text: String?
            var seen = KeysSeen()
            let part = scanner.object { scanner, key in
                switch key {
                case "type":
                    guard seen.first(0) else { return false }
                    type = scanner.string()
                    return type != nil
                case "text": return seen.first(1) && scanner.optionalString(&text)
                default: return scanner.skipValue(depth: 3)
                }
            }
            guard part, let type else { return false }
            parts.append((type, text))
            return true
        }
        guard complete else { return nil }
        return ChatRequestBody.Content(
            text: parts.compactMap { $0.type == "text" ? $0.text : nil }.joined(),
            unsupportedPart: parts.first { $0.type != "text" }?.type)
    }

    private mutating func streamOptions() -> ChatRequestBody.StreamOptions? {
        var options = ChatRequestBody.StreamOptions()
        var seen = KeysSeen()
        let complete = object { scanner, key in
            if key == "include_usage" { return seen.first(0) && scanner.optional(&options.includeUsage) { $0.bool() } }
            return scanner.skipValue(depth: 1)
        }
        return complete ? options : nil
    }

    private mutating func routeBody() -> ChatRequestBody.RouteBody? {
        var route = ChatRequestBody.RouteBody()
        var seen = KeysSeen()
        let complete = object { scanner, key in
            switch key {
            case "strategy": seen.first(0) && scanner.optionalString(&route.strategy)
            case "capability": seen.first(1) && scanner.optionalString(&route.capability)
            case "fallbacks": seen.first(2) && scanner.optional(&route.fallbacks) { $0.integer() }
            default: scanner.skipValue(depth: 1)
            }
        }
        return complete ? route : nil
    }

    /// `null` leaves `value` nil; anything else must parse.
    fileprivate mutating func optional<T>(_ value: inout T?, _ parse: (inout JSONScanner) -> T?) -> Bool {
        if null() { return true }
        value = parse(&self)
        return value != nil
    }

    fileprivate mutating func optionalString(_ value: inout String?) -> Bool {
        optional(&value) { $0.string() }
    }
}

/// The known keys of one object read so far: a second one goes to `JSONDecoder`.
private struct KeysSeen {
    private var bits: UInt16 = 0

    /// True the first time `key` (its number) is seen.
    mutating func first(_ key: Int) -> Bool {
        let bit = UInt16(1) << key
        defer { bits |= bit }
        return bits & bit == 0
    }
}
