/// The chat body written straight into bytes: it goes out on every routed call, and `JSONEncoder` spent
/// more on it (boxing, generic metadata, a `Data` copy) than the rest of building the upstream request.
extension OpenAIWire.ChatBody {
    /// Compact JSON, the same fields and order as the `Encodable` form; nil for a non-finite temperature
    /// (which has no JSON form and which `JSONEncoder` refuses too).
    func jsonBytes() -> [UInt8]? {
        if let temperature, !temperature.isFinite { return nil }
        var size = 96 + model.utf8.count
        for message in messages { size += 32 + message.role.utf8.count + message.content.utf8.count }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        bytes.append(contentsOf: #"{"model":"#.utf8)
        WireBytes.appendString(model, to: &bytes)
        bytes.append(contentsOf: #","messages":["#.utf8)
        for (index, message) in messages.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: #"{"role":"#.utf8)
            WireBytes.appendString(message.role, to: &bytes)
            bytes.append(contentsOf: #","content":"#.utf8)
            WireBytes.appendString(message.content, to: &bytes)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: "]"))
        if let temperature {
            bytes.append(contentsOf: #","temperature":"#.utf8)
            bytes.append(contentsOf: String(temperature).utf8)
        }
        bytes.append(contentsOf: (stream ? #","stream":true"# : #","stream":false"#).utf8)
        if let maxTokens {
            bytes.append(contentsOf: #","max_tokens":"#.utf8)
            bytes.append(contentsOf: String(maxTokens).utf8)
        }
        if let streamOptions {
            bytes.append(contentsOf: #","stream_options":{"include_usage":"#.utf8)
            bytes.append(contentsOf: (streamOptions.includeUsage ? "true}" : "false}").utf8)
        }
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }
}

/// JSON string literals into bytes (MRProviders does not depend on MRWeb's `JSONWriter`).
enum WireBytes {
    /// Appends `string` quoted and escaped; runs that need no escaping are copied in one append each.
    static func appendString(_ string: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                appendEscape(byte, to: &bytes)
                runStart = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func appendEscape(_ byte: UInt8, to bytes: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): bytes.append(contentsOf: [92, 34])
        case UInt8(ascii: "\\"): bytes.append(contentsOf: [92, 92])
        case 0x0A: bytes.append(contentsOf: [92, UInt8(ascii: "n")])
        case 0x0D: bytes.append(contentsOf: [92, UInt8(ascii: "r")])
        case 0x09: bytes.append(contentsOf: [92, UInt8(ascii: "t")])
        default:
            bytes.append(contentsOf: [
                92, UInt8(ascii: "u"), 48, 48, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)],
            ])
        }
    }
}
