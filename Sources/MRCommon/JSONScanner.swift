/// The JSON grammar (RFC 8259) read straight from bytes, for the few hot shapes that must not pay for
/// `JSONDecoder` (a chat request body, an OpenAI stream chunk). Each shape is an extension that reads the fields
/// it needs and skips the rest; every method answers nil or false for input it does not accept, so a shape reader
/// can give up and leave the document to `JSONDecoder`, which then produces the canonical value or error.
///
/// Valid only inside the `withUnsafeBufferPointer` call that made its buffer.
///
/// Every method is `@inlinable`: the shape readers live in other modules, and across a module boundary the
/// generic `object(key:member:)` and the closures it takes ran unspecialized, looking up generic metadata on
/// every call (~6 % of the router's CPU at 64 connections).
public struct JSONScanner {
    public let bytes: UnsafeBufferPointer<UInt8>
    public var position = 0

    /// Deepest nesting ``skipValue(depth:)`` follows; deeper documents are left to `JSONDecoder`.
    public static let maximumDepth = 64

    @inlinable
    public init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Reads a whole document with `read`: its value, or nil when `read` gives up or anything but whitespace
    /// follows.
    @inlinable
    public static func document<Value>(_ bytes: [UInt8], _ read: (inout JSONScanner) -> Value?) -> Value? {
        bytes.withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(buffer)
            guard let value = read(&scanner), scanner.isAtEnd() else { return nil }
            return value
        }
    }

    @inlinable
    public var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    /// True when only whitespace is left.
    @inlinable
    public mutating func isAtEnd() -> Bool {
        skipWhitespace()
        return position == bytes.count
    }

    @inlinable
    public mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    /// Consumes `byte` after any whitespace, if it is next.
    @inlinable
    public mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard peek == byte else { return false }
        position += 1
        return true
    }

    /// Consumes `text` if it is next (no whitespace skipped).
    @inlinable
    public mutating func literal(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[position + offset] != text.utf8Start[offset] { return false }
        position += count
        return true
    }

    /// Consumes `null` (after whitespace) if it is next.
    @inlinable
    public mutating func null() -> Bool {
        skipWhitespace()
        return literal("null")
    }

    // MARK: Containers

    /// `{ key: value, … }`: `key` reads each key (nil rejects the document) and `member` its value.
    @inlinable
    public mutating func object<Key>(
        key: (inout JSONScanner) -> Key?, member: (inout JSONScanner, Key) -> Bool
    ) -> Bool {
        guard consume(UInt8(ascii: "{")) else { return false }
        if consume(UInt8(ascii: "}")) { return true }
        while true {
            skipWhitespace()
            guard let name = key(&self), consume(UInt8(ascii: ":")) else { return false }
            skipWhitespace()
            guard member(&self, name) else { return false }
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "}"))
        }
    }

    /// An object whose keys are read as strings (escapes resolved).
    @inlinable
    public mutating func object(_ member: (inout JSONScanner, String) -> Bool) -> Bool {
        object(key: { $0.string() }, member: member)
    }

    /// `[ value, … ]`: `element` reads each value.
    @inlinable
    public mutating func array(_ element: (inout JSONScanner) -> Bool) -> Bool {
        guard consume(UInt8(ascii: "[")) else { return false }
        if consume(UInt8(ascii: "]")) { return true }
        while true {
            skipWhitespace()
            guard element(&self) else { return false }
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "]"))
        }
    }

    /// Skips any value, checking its grammar (strings included) without building it.
    @inlinable
    public mutating func skipValue(depth: Int = 0) -> Bool {
        skipWhitespace()
        guard depth < Self.maximumDepth, let byte = peek else { return false }
        switch byte {
        case UInt8(ascii: "{"):
            return object(key: { $0.skipString() ? () : nil }) { scanner, _ in scanner.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["): return array { $0.skipValue(depth: depth + 1) }
        case UInt8(ascii: "\""): return skipString()
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number() != nil
        }
    }

    // MARK: Scalars

    @inlinable
    public mutating func bool() -> Bool? {
        skipWhitespace()
        if literal("true") { return true }
        if literal("false") { return false }
        return nil
    }

    /// The extent of a number, and whether it is a plain integer (no fraction, no exponent).
    @inlinable
    public mutating func number() -> (range: Range<Int>, isInteger: Bool)? {
        skipWhitespace()
        let start = position
        if peek == UInt8(ascii: "-") { position += 1 }
        guard let first = peek, (0x30...0x39).contains(first) else { return nil }
        position += 1
        if first != 0x30 { _ = digits() }
        var isInteger = true
        if peek == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard digits() else { return nil }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
            guard digits() else { return nil }
        }
        return (start..<position, isInteger)
    }

    @usableFromInline
    mutating func digits() -> Bool {
        let start = position
        while let byte = peek, (0x30...0x39).contains(byte) { position += 1 }
        return position > start
    }

    /// A plain integer that fits an `Int`; fractions, exponents and overflow answer nil.
    @inlinable
    public mutating func integer() -> Int? {
        guard let (range, isInteger) = number(), isInteger else { return nil }
        var value = 0
        var negative = false
        for index in range {
            let byte = bytes[index]
            if byte == UInt8(ascii: "-") {
                negative = true
                continue
            }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int(byte - 0x30))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        return negative ? -value : value
    }

    /// A finite number; an overflow answers nil.
    @inlinable
    public mutating func double() -> Double? {
        guard let (range, _) = number(), range.count <= 64,
            let value = Double(Substring(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)),
            value.isFinite
        else { return nil }
        return value
    }

    // MARK: Strings

    /// The bytes of a string without escapes (an object key, usually); nil when it has escapes or is not a string.
    @inlinable
    public mutating func plainStringBytes() -> UnsafeBufferPointer<UInt8>? {
        skipWhitespace()
        guard peek == UInt8(ascii: "\"") else { return nil }
        let start = position + 1
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\"") {
            if bytes[end] == UInt8(ascii: "\\") || bytes[end] < 0x20 { return nil }
            end += 1
        }
        guard end < bytes.count else { return nil }
        position = end + 1
        return UnsafeBufferPointer(rebasing: bytes[start..<end])
    }

    /// A string with its escapes resolved; nil for raw control characters, bad escapes, lone surrogates or
    /// invalid UTF-8.
    @inlinable
    public mutating func string() -> String? {
        skipWhitespace()
        guard peek == UInt8(ascii: "\"") else { return nil }
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

    /// Skips a string without building it: plain ASCII is checked in place; anything else is built and dropped,
    /// so exactly the strings ``string()`` refuses are refused.
    @inlinable
    public mutating func skipString() -> Bool {
        skipWhitespace()
        guard peek == UInt8(ascii: "\"") else { return false }
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
    @usableFromInline
    mutating func escapedString(from start: Int) -> String? {
        var utf8 = Array(UnsafeBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(validating: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escape = peek else { return nil }
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    guard let scalar = unicodeEscape() else { return nil }
                    utf8.append(contentsOf: UTF8.encode(scalar)!)
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
    @usableFromInline
    mutating func unicodeEscape() -> Unicode.Scalar? {
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

    @usableFromInline
    mutating func hex4() -> UInt32? {
        guard position + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            position += 1
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
}
