/// One SQLite value in its storage class, for binding and reading when the type is only known at run time.
///
/// Literals work: `[1, "text", 2.5, nil, true]` is a `[SQLiteValue]`.
public enum SQLiteValue: Hashable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

extension SQLiteValue: ExpressibleByNilLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByStringLiteral, ExpressibleByBooleanLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .real(value) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(booleanLiteral value: Bool) { self = .integer(value ? 1 : 0) }
}

extension SQLiteValue {
    /// `.null` for nil, `.integer` otherwise.
    public init(_ value: Int64?) { self = value.map { .integer($0) } ?? .null }
    /// `.null` for nil, `.integer` otherwise.
    public init(_ value: Int?) { self = value.map { .integer(Int64($0)) } ?? .null }
    /// `.null` for nil, `.real` otherwise.
    public init(_ value: Double?) { self = value.map { .real($0) } ?? .null }
    /// `.null` for nil, `.text` otherwise.
    public init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    /// `.null` for nil, `.blob` otherwise.
    public init(_ value: [UInt8]?) { self = value.map { .blob($0) } ?? .null }
    /// `.null` for nil, `.integer` 1 or 0 otherwise.
    public init(_ value: Bool?) { self = value.map { .integer($0 ? 1 : 0) } ?? .null }
}
