import MRCommon

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

    /// Writes `string` as a JSON string literal (`JSONString.append`, shared with the provider bodies).
    public static func appendString(_ string: String, to bytes: inout [UInt8]) {
        JSONString.append(string, to: &bytes)
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
