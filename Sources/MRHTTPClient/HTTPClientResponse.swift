/// A response whose head has arrived; its body streams in ``body``.
///
/// Read the body to its end (or `collect(upTo:)` it) to let the connection be reused: dropping an unfinished body
/// aborts the transfer and closes its connection.
public struct HTTPClientResponse: Sendable {
    /// The HTTP status code, 4xx and 5xx included.
    public let status: Int
    /// The response header fields.
    public let headers: HTTPClientHeaders
    /// The response body, streamed with back-pressure.
    public let body: HTTPClientResponseBody
}

/// Response header fields: lookup ignores case, and every value is kept in arrival order.
public struct HTTPClientHeaders: Sendable, Sequence, CustomStringConvertible {
    private var fields: [(name: String, value: String)]

    /// Headers from name/value pairs, kept in order.
    public init(_ fields: [(String, String)] = []) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    /// Every value of the field `name` (any case), in order; empty when absent.
    public subscript(name: String) -> [String] {
        fields.filter { $0.name.caseInsensitiveEquals(name) }.map(\.value)
    }

    /// The first value of the field `name` (any case).
    public func first(_ name: String) -> String? {
        fields.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    /// Whether a field named `name` (any case) is present.
    public func contains(_ name: String) -> Bool { first(name) != nil }

    /// Number of header lines.
    public var count: Int { fields.count }

    /// Iterates `(name, value)` pairs in arrival order, names as received.
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    public var description: String { fields.map { "\($0.name): \($0.value)" }.joined(separator: "\n") }

    mutating func append(name: String, value: String) { fields.append((name: name, value: value)) }
}

extension String {
    /// ASCII case-insensitive equality, which is what HTTP field names need.
    func caseInsensitiveEquals(_ other: String) -> Bool {
        let lhs = utf8
        let rhs = other.utf8
        guard lhs.count == rhs.count else { return false }
        return zip(lhs, rhs).allSatisfy { asciiLower($0) == asciiLower($1) }
    }
}

private func asciiLower(_ byte: UInt8) -> UInt8 {
    (byte >= 0x41 && byte <= 0x5A) ? byte + 0x20 : byte
}
