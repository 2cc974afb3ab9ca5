import MRCommon

/// An ordered list of header fields with case-insensitive lookup by name.
///
/// Requests rarely carry more than a dozen headers, so a linear scan beats hashing here.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (name: String, value: String)
    private var fields: [Element]

    public init() { fields = [] }

    public init(_ fields: [(String, String)]) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// The first value of the header `name`, compared without regard to case.
    public subscript(name: String) -> String? {
        for field in fields where HTTPToken.namesEqual(field.name, name) { return field.value }
        return nil
    }

    /// Appends a field, keeping any earlier field of the same name.
    public mutating func add(_ name: String, _ value: String) {
        fields.append((name: name, value: value))
    }

    /// Replaces every field named `name` with one field holding `value`.
    public mutating func set(_ name: String, _ value: String) {
        fields.removeAll { HTTPToken.namesEqual($0.name, name) }
        fields.append((name: name, value: value))
    }

    public var count: Int { fields.count }

    public func makeIterator() -> IndexingIterator<[Element]> { fields.makeIterator() }
}
