/// Writes JSON straight into bytes: no intermediate objects, no Foundation. Used for errors, SSE
/// events and other small hot-path bodies; larger documents go through `JSONEncoder`.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 128) { bytes.reserveCapacity(capacity) }

    /// Writes an object; `build` adds its fields.
    public mutating func object(_ build: (inout ObjectWriter) -> Void) {
        var writer = ObjectWriter(bytes: bytes)
        bytes = []
        writer.open()
        build(&writer)
        writer.close()
        bytes = writer.bytes
    }

    /// Writes `string` as a JSON string literal.
    ///
    /// Runs of bytes that need no escaping (nearly all of them) are copied in one append each.
    public static func appendString(_ string: String, to bytes: inout [UInt8]) {
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

    /// Builds the fields of one JSON object.
    public struct ObjectWriter: Sendable {
        fileprivate var bytes: [UInt8]
        private var first = true

        fileprivate init(bytes: [UInt8]) { self.bytes = bytes }

        fileprivate mutating func open() { bytes.append(UInt8(ascii: "{")) }
        fileprivate mutating func close() { bytes.append(UInt8(ascii: "}")) }

        private mutating func key(_ name: String) {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            JSONWriter.appendString(name, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
        }

        public mutating func field(_ name: String, _ value: String?) {
            key(name)
            if let value { JSONWriter.appendString(value, to: &bytes) } else { bytes.append(contentsOf: "null".utf8) }
        }

        public mutating func field(_ name: String, _ value: Int?) {
            key(name)
            bytes.append(contentsOf: (value.map { String($0) } ?? "null").utf8)
        }

        public mutating func field(_ name: String, _ value: Int64?) {
            key(name)
            bytes.append(contentsOf: (value.map { String($0) } ?? "null").utf8)
        }

        /// Non-finite numbers have no JSON form and are written as null.
        public mutating func field(_ name: String, _ value: Double?) {
            key(name)
            if let value, value.isFinite {
                bytes.append(contentsOf: String(value).utf8)
            } else {
                bytes.append(contentsOf: "null".utf8)
            }
        }

        public mutating func field(_ name: String, _ value: Bool) {
            key(name)
            bytes.append(contentsOf: (value ? "true" : "false").utf8)
        }

        public mutating func field(_ name: String, strings: [String]) {
            key(name)
            bytes.append(UInt8(ascii: "["))
            for (index, value) in strings.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                JSONWriter.appendString(value, to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        }

        /// Inserts already-encoded JSON (e.g. bytes passed on from upstream) without re-encoding.
        public mutating func rawField(_ name: String, json: some Sequence<UInt8>) {
            key(name)
            bytes.append(contentsOf: json)
        }

        public mutating func objectField(_ name: String, _ build: (inout ObjectWriter) -> Void) {
            key(name)
            var nested = ObjectWriter(bytes: bytes)
            bytes = []
            nested.open()
            build(&nested)
            nested.close()
            bytes = nested.bytes
        }
    }
}
