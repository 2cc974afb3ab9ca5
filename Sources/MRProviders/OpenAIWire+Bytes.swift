import MRCommon

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
        JSONString.append(model, to: &bytes)
        bytes.append(contentsOf: #","messages":["#.utf8)
        for (index, message) in messages.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: #"{"role":"#.utf8)
            JSONString.append(message.role, to: &bytes)
            bytes.append(contentsOf: #","content":"#.utf8)
            JSONString.append(message.content, to: &bytes)
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
