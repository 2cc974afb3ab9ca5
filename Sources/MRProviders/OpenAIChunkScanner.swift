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
struct OpenAIChunkScanner {
    /// What one chunk says.
    struct Chunk: Equatable {
        /// Texts of the choices with index 0 (normally one), in order; empty texts included.
        var texts: [String] = []
        /// The last non-null finish reason among those choices.
        var finishReason: String?
        var usage: Usage?
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The chunk's fields, or nil when the slow path must decide.
    static func scan(_ data: [UInt8]) -> Chunk? {
        data.withUnsafeBufferPointer { buffer in
            var scanner = OpenAIChunkScanner(buffer)
            guard let chunk = scanner.chunk() else { return nil }
            scanner.skipWhitespace()
            return scanner.position == buffer.count ? chunk : nil
        }
    }

    // MARK: The shape

    private mutating func chunk() -> Chunk? {
        var chunk = Chunk()
        let complete = object { scanner, key in
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

    private mutating func choice(into chunk: inout Chunk) -> Bool {
        var index = 0
        var deltaText: String?
        var messageText: String?
        var finish: String?
        let complete = object { scanner, key in
            switch key {
            case .index:
                if scanner.null() { return true }
                guard let value = scanner.integer() else { return false }
                index = value
                return true
            case .delta, .message:
                if scanner.null() { return true }
                let isDelta = key == .delta
                return scanner.object { scanner, inner in
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

    private mutating func usage() -> Usage? {
        var prompt: Int?
        var completion: Int?
        let complete = object { scanner, key in
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

    // MARK: Keys

    /// The keys the shape reads; everything else is `other` and skipped.
    private enum Key {
        case choices, usage, error, index, delta, message, content, finishReason, promptTokens, completionTokens
        case other
    }

    /// Reads an object key (a string with no escapes, which every key the shape knows is).
    private mutating func key() -> Key? {
        guard peek() == UInt8(ascii: "\"") else { return nil }
        let start = position + 1
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\"") {
            if bytes[end] == UInt8(ascii: "\\") { return nil }  // escaped keys: let the slow path judge
            end += 1
        }
        guard end < bytes.count else { return nil }
        position = end + 1
        // By length, then the bytes: a key costs a switch and one comparison.
        let name = UnsafeBufferPointer(rebasing: bytes[start..<end])
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

    // MARK: JSON

    /// Walks an object, handing each key's value to `field` (which must consume it).
    private mutating func object(_ field: (inout OpenAIChunkScanner, Key) -> Bool) -> Bool {
        skipWhitespace()
        guard peek() == UInt8(ascii: "{") else { return false }
        position += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            return true
        }
        while true {
            skipWhitespace()
            guard let key = key() else { return false }
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { return false }
            position += 1
            skipWhitespace()
            guard field(&self, key) else { return false }
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                return true
            default: return false
            }
        }
    }

    private mutating func array(_ element: (inout OpenAIChunkScanner) -> Bool) -> Bool {
        skipWhitespace()
        guard peek() == UInt8(ascii: "[") else { return false }
        position += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            return true
        }
        while true {
            skipWhitespace()
            guard element(&self) else { return false }
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                return true
            default: return false
            }
        }
    }

    /// Consumes `null` if it is next.
    private mutating func null() -> Bool {
        skipWhitespace()
        guard position + 4 <= bytes.count, bytes[position] == UInt8(ascii: "n"),
            bytes[position + 1] == UInt8(ascii: "u"),
            bytes[position + 2] == UInt8(ascii: "l"), bytes[position + 3] == UInt8(ascii: "l")
        else { return false }
        position += 4
        return true
    }

    /// A JSON integer that fits an `Int` (a fraction or exponent is left to the slow path).
    private mutating func integer() -> Int? {
        skipWhitespace()
        var negative = false
        if peek() == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        let start = position
        var value = 0
        while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            position += 1
        }
        guard position > start else { return nil }
        if let byte = peek(), byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            return nil
        }
        return negative ? -value : value
    }

    /// A JSON string, unescaped; nil on invalid escapes, raw control characters or invalid UTF-8.
    private mutating func string() -> String? {
        skipWhitespace()
        guard peek() == UInt8(ascii: "\"") else { return nil }
        position += 1
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let text = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                position += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { return escapedString(from: start) }
            if byte < 0x20 { return nil }
            position += 1
        }
        return nil
    }

    /// Skips a string the shape does not read (`id`, `model`, `object`…) without building it: plain ASCII is
    /// checked in place; anything else is built and dropped, so the same strings are refused as by ``string()``.
    private mutating func skipString() -> Bool {
        let start = position
        position += 1
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return true
            }
            if byte < 0x20 { return false }
            if byte == UInt8(ascii: "\\") || byte >= 0x80 { break }
            position += 1
        }
        position = start
        return string() != nil
    }

    /// The rest of a string that contains escapes (rare: quotes, newlines, non-ASCII sent as `\u`).
    private mutating func escapedString(from start: Int) -> String? {
        var utf8 = Array(UnsafeBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(validating: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escape = peek() else { return nil }
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    guard var scalar = hex4() else { return nil }
                    if (0xD800...0xDBFF).contains(scalar) {
                        // A high surrogate must be followed by `\u` and a low one.
                        guard peek() == UInt8(ascii: "\\"), position + 1 < bytes.count,
                            bytes[position + 1] == UInt8(ascii: "u")
                        else { return nil }
                        position += 2
                        guard let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        return nil
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { return nil }
                    utf8.append(contentsOf: UTF8.encode(unicode)!)
                default:
                    return nil
                }
            default:
                if byte < 0x20 { return nil }
                utf8.append(byte)
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard position + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    /// Skips any JSON value (validating its structure, not building it).
    private mutating func skipValue() -> Bool {
        skipWhitespace()
        guard let byte = peek() else { return false }
        switch byte {
        case UInt8(ascii: "\""):
            return skipString()
        case UInt8(ascii: "{"):
            return object { scanner, _ in scanner.skipValue() }
        case UInt8(ascii: "["):
            return array { scanner in scanner.skipValue() }
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return null()
        default:
            return number()
        }
    }

    private mutating func literal(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        let matches = text.withUTF8Buffer {
            $0.elementsEqual(UnsafeBufferPointer(rebasing: bytes[position..<position + count]))
        }
        if matches { position += count }
        return matches
    }

    /// A JSON number of any form.
    private mutating func number() -> Bool {
        let start = position
        if peek() == UInt8(ascii: "-") { position += 1 }
        var digits = 0
        while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            position += 1
            digits += 1
        }
        guard digits > 0 else {
            position = start
            return false
        }
        if peek() == UInt8(ascii: ".") {
            position += 1
            var fraction = 0
            while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                position += 1
                fraction += 1
            }
            guard fraction > 0 else { return false }
        }
        if let byte = peek(), byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            position += 1
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { position += 1 }
            var exponent = 0
            while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                position += 1
                exponent += 1
            }
            guard exponent > 0 else { return false }
        }
        return true
    }

    private func peek() -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }
}
