/// Reads a chat request body straight from its bytes: the hot path of every chat call, where Foundation's
/// `JSONDecoder` cost about 10 % of a proxied request's CPU.
///
/// It only ever answers for bodies it reads exactly as `JSONDecoder` would (the equivalence is tested over a
/// corpus and random mutations): anything unusual (a type mismatch, a duplicate key, invalid UTF-8, a lone
/// surrogate, an integer written as `16.0`, nesting deeper than 64) returns nil, and the caller decodes with
/// `JSONDecoder`, which produces the canonical value or the error message naming the field.
struct ChatBodyReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    /// The body, or nil to let `JSONDecoder` decide.
    static func read(_ bytes: [UInt8]) -> ChatRequestBody? {
        bytes.withUnsafeBufferPointer { buffer in
            var reader = ChatBodyReader(bytes: buffer)
            guard let body = reader.body() else { return nil }
            reader.skipWhitespace()
            return reader.index == buffer.count ? body : nil
        }
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    // MARK: The body's shape

    private mutating func body() -> ChatRequestBody? {
        var body = ChatRequestBody()
        var seen = KeysSeen()
        let complete = object { key, reader in
            switch key {
            case "model": seen.first(0) && reader.optionalString(&body.model)
            case "message": seen.first(1) && reader.optionalString(&body.message)
            case "system": seen.first(2) && reader.optionalString(&body.system)
            case "temperature": seen.first(3) && reader.optional(&body.temperature) { $0.double() }
            case "max_tokens": seen.first(4) && reader.optional(&body.maxTokens) { $0.integer() }
            case "max_completion_tokens": seen.first(5) && reader.optional(&body.maxCompletionTokens) { $0.integer() }
            case "n": seen.first(6) && reader.optional(&body.n) { $0.integer() }
            case "stream": seen.first(7) && reader.optional(&body.stream) { $0.bool() }
            case "stream_options": seen.first(8) && reader.optional(&body.streamOptions) { $0.streamOptions() }
            case "route": seen.first(9) && reader.optional(&body.route) { $0.routeBody() }
            case "messages": seen.first(10) && reader.optional(&body.messages) { $0.messages() }
            default: reader.skipValue(depth: 0)
            }
        }
        return complete ? body : nil
    }

    private mutating func messages() -> [ChatRequestBody.Message]? {
        var messages: [ChatRequestBody.Message] = []
        let complete = array { reader in
            guard let message = reader.message() else { return false }
            messages.append(message)
            return true
        }
        return complete ? messages : nil
    }

    private mutating func message() -> ChatRequestBody.Message? {
        var role: String?
        var content: ChatRequestBody.Content?
        var seen = KeysSeen()
        let complete = object { key, reader in
            switch key {
            case "role":
                guard seen.first(0) else { return false }
                role = reader.string()
                return role != nil
            case "content": return seen.first(1) && reader.optional(&content) { $0.content() }
            default: return reader.skipValue(depth: 1)
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
        let complete = array { reader in
            var type: String?
            var text: String?
            var seen = KeysSeen()
            let part = reader.object { key, reader in
                switch key {
                case "type":
                    guard seen.first(0) else { return false }
                    type = reader.string()
                    return type != nil
                case "text": return seen.first(1) && reader.optionalString(&text)
                default: return reader.skipValue(depth: 3)
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
        let complete = object { key, reader in
            if key == "include_usage" { return seen.first(0) && reader.optional(&options.includeUsage) { $0.bool() } }
            return reader.skipValue(depth: 1)
        }
        return complete ? options : nil
    }

    private mutating func routeBody() -> ChatRequestBody.RouteBody? {
        var route = ChatRequestBody.RouteBody()
        var seen = KeysSeen()
        let complete = object { key, reader in
            switch key {
            case "strategy": seen.first(0) && reader.optionalString(&route.strategy)
            case "capability": seen.first(1) && reader.optionalString(&route.capability)
            case "fallbacks": seen.first(2) && reader.optional(&route.fallbacks) { $0.integer() }
            default: reader.skipValue(depth: 1)
            }
        }
        return complete ? route : nil
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

    // MARK: JSON grammar (RFC 8259)

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard peek == byte else { return false }
        index += 1
        return true
    }

    private mutating func literal(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != text.utf8Start[offset] { return false }
        index += count
        return true
    }

    /// `{ "key": value, … }`; `member` reads the value of each key and says whether it could.
    private mutating func object(_ member: (String, inout ChatBodyReader) -> Bool) -> Bool {
        guard consume(UInt8(ascii: "{")) else { return false }
        if consume(UInt8(ascii: "}")) { return true }
        while true {
            skipWhitespace()
            guard let key = string(), consume(UInt8(ascii: ":")) else { return false }
            skipWhitespace()
            guard member(key, &self) else { return false }
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "}"))
        }
    }

    /// `[ value, … ]`; `element` reads each one.
    private mutating func array(_ element: (inout ChatBodyReader) -> Bool) -> Bool {
        guard consume(UInt8(ascii: "[")) else { return false }
        if consume(UInt8(ascii: "]")) { return true }
        while true {
            skipWhitespace()
            guard element(&self) else { return false }
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "]"))
        }
    }

    /// `null` leaves `value` nil; anything else must parse.
    private mutating func optional<T>(_ value: inout T?, _ parse: (inout ChatBodyReader) -> T?) -> Bool {
        if peek == UInt8(ascii: "n") { return literal("null") }
        value = parse(&self)
        return value != nil
    }

    private mutating func optionalString(_ value: inout String?) -> Bool {
        optional(&value) { $0.string() }
    }

    private mutating func bool() -> Bool? {
        if literal("true") { return true }
        if literal("false") { return false }
        return nil
    }

    /// The extent of a JSON number, and whether it has a fraction or an exponent.
    private mutating func number() -> (Range<Int>, isInteger: Bool)? {
        let start = index
        if peek == UInt8(ascii: "-") { index += 1 }
        guard let first = peek, (0x30...0x39).contains(first) else { return nil }
        index += 1
        if first != 0x30 { while let byte = peek, (0x30...0x39).contains(byte) { index += 1 } }
        var isInteger = true
        if peek == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard digits() else { return nil }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard digits() else { return nil }
        }
        return (start..<index, isInteger)
    }

    private mutating func digits() -> Bool {
        let start = index
        while let byte = peek, (0x30...0x39).contains(byte) { index += 1 }
        return index > start
    }

    /// A plain integer that fits with room to spare; fractions and exponents go to `JSONDecoder`.
    private mutating func integer() -> Int? {
        guard let (range, isInteger) = number(), isInteger, range.count <= 18 else { return nil }
        var value = 0
        var negative = false
        for position in range {
            let byte = bytes[position]
            if byte == UInt8(ascii: "-") {
                negative = true
            } else {
                value = value * 10 + Int(byte - 0x30)
            }
        }
        return negative ? -value : value
    }

    /// A finite number (an overflow goes to `JSONDecoder`, which rejects it).
    private mutating func double() -> Double? {
        guard let (range, _) = number(), range.count <= 64,
            let value = Double(Substring(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)),
            value.isFinite
        else { return nil }
        return value
    }

    /// A string with its escapes resolved; nil for control characters, invalid UTF-8 or lone surrogates.
    private mutating func string() -> String? {
        guard peek == UInt8(ascii: "\"") else { return nil }
        index += 1
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { return nil }
            index += 1
        }
        var utf8 = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(validating: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { return nil }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    guard let scalar = unicodeEscape() else { return nil }
                    utf8.append(contentsOf: String(Character(scalar)).utf8)
                default: return nil
                }
            default:
                if byte < 0x20 { return nil }
                utf8.append(byte)
            }
        }
        return nil
    }

    /// The scalar of `\uXXXX` (the `\u` read), a surrogate pair included; nil for a lone surrogate.
    private mutating func unicodeEscape() -> Unicode.Scalar? {
        guard let high = hex4() else { return nil }
        switch high {
        case 0xD800...0xDBFF:
            guard literal("\\u"), let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
            return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
        case 0xDC00...0xDFFF:
            return nil
        default:
            return Unicode.Scalar(high)
        }
    }

    private mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            index += 1
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// Skips any value, checking its grammar; nesting past 64 levels goes to `JSONDecoder`.
    private mutating func skipValue(depth: Int) -> Bool {
        guard depth < 64, let byte = peek else { return false }
        switch byte {
        case UInt8(ascii: "{"): return object { _, reader in reader.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["): return array { reader in reader.skipValue(depth: depth + 1) }
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number() != nil
        }
    }
}
