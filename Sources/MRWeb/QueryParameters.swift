import MRCommon

/// Typed access to a query string. Every accessor validates and throws `APIError.validation` naming the
/// parameter, so handlers never see a malformed value.
public struct QueryParameters: Sendable {
    private let items: [(name: String, value: String)]

    public init(_ items: [(name: String, value: String)]) { self.items = items }

    /// The raw first value, if present and non-empty.
    public func raw(_ name: String) -> String? {
        guard let value = items.first(where: { $0.name == name })?.value, !value.isEmpty else { return nil }
        return value
    }

    /// A string of at most `maxLength` bytes.
    public func string(_ name: String, maxLength: Int = 1024) throws -> String? {
        guard let value = raw(name) else { return nil }
        guard value.utf8.count <= maxLength else {
            throw APIError.validation("query parameter '\(name)' is longer than \(maxLength) bytes")
        }
        return value
    }

    /// A required string.
    public func requiredString(_ name: String, maxLength: Int = 1024) throws -> String {
        guard let value = try string(name, maxLength: maxLength) else {
            throw APIError.validation("query parameter '\(name)' is required")
        }
        return value
    }

    /// An integer within `range`.
    public func int(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = raw(name) else { return nil }
        guard let value = Int(text) else {
            throw APIError.validation("query parameter '\(name)' must be an integer, got '\(text.prefix(64))'")
        }
        guard range.contains(value) else {
            throw APIError.validation(
                "query parameter '\(name)' must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
        return value
    }

    /// A finite number within `range`.
    public func double(_ name: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let text = raw(name) else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw APIError.validation("query parameter '\(name)' must be a number, got '\(text.prefix(64))'")
        }
        guard range.contains(value) else {
            throw APIError.validation(
                "query parameter '\(name)' must be between \(range.lowerBound) and \(range.upperBound), got \(text)")
        }
        return value
    }

    /// A duration in the config's form (`250ms`, `4s`, `5m`; a bare number is seconds) within `range`.
    public func duration(_ name: String, in range: ClosedRange<Duration>) throws -> Duration? {
        guard let text = raw(name) else { return nil }
        let value: Duration
        do {
            value = try Duration(parsing: text)
        } catch {
            throw APIError.validation("query parameter '\(name)': \(error.message)")
        }
        guard range.contains(value) else {
            throw APIError.validation(
                "query parameter '\(name)' must be between \(range.lowerBound.formattedShort) and "
                    + "\(range.upperBound.formattedShort), got \(text.prefix(64))")
        }
        return value
    }

    /// `true`/`false`/`1`/`0`.
    public func bool(_ name: String) throws -> Bool? {
        guard let text = raw(name) else { return nil }
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw APIError.validation("query parameter '\(name)' must be true or false, got '\(text.prefix(64))'")
        }
    }

    /// One of `allowed`.
    public func oneOf(_ name: String, _ allowed: [String]) throws -> String? {
        guard let text = raw(name) else { return nil }
        guard allowed.contains(text) else {
            throw APIError.validation(
                "query parameter '\(name)' must be one of \(allowed.joined(separator: ", ")), got '\(text.prefix(64))'")
        }
        return text
    }
}
