/// A route path such as `/api/models/{id...}` or `/api/availability/{model...}/history`.
///
/// `{name}` matches one segment; `{name...}` matches one or more segments (model ids contain `/`),
/// and may be followed by literal segments.
public struct PathPattern: Sendable, Hashable, CustomStringConvertible {
    enum Segment: Sendable, Hashable {
        case literal(String)
        case parameter(String)
        case rest(String)
    }

    let segments: [Segment]
    public let description: String

    public init(_ pattern: String) {
        description = pattern
        segments = pattern.split(separator: "/").map { part in
            if part.hasPrefix("{") && part.hasSuffix("...}") {
                return .rest(String(part.dropFirst().dropLast(4)))
            }
            if part.hasPrefix("{") && part.hasSuffix("}") {
                return .parameter(String(part.dropFirst().dropLast()))
            }
            return .literal(String(part))
        }
        precondition(segments.filter { if case .rest = $0 { true } else { false } }.count <= 1, "one rest parameter")
    }

    /// The pattern without a trailing slash (the key of fixed paths).
    var normalized: String {
        description.count > 1 && description.hasSuffix("/") ? String(description.dropLast()) : description
    }

    /// Names of the path parameters, in order.
    public var parameterNames: [String] {
        segments.compactMap {
            switch $0 {
            case .literal: nil
            case .parameter(let name), .rest(let name): name
            }
        }
    }

    /// Literal segments first, so `/api/models/available` wins over `/api/models/{id...}`.
    var specificity: (literals: Int, hasRest: Bool) {
        (
            segments.filter { if case .literal = $0 { true } else { false } }.count,
            segments.contains { if case .rest = $0 { true } else { false } }
        )
    }

    /// The captured parameters if `path` (already split) matches.
    func match(_ path: [Substring]) -> [String: String]? {
        guard let restIndex = segments.firstIndex(where: { if case .rest = $0 { true } else { false } }) else {
            guard path.count == segments.count else { return nil }
            var captured: [String: String] = [:]
            for (segment, part) in zip(segments, path) where !matchOne(segment, part, into: &captured) {
                return nil
            }
            return captured
        }
        let suffixCount = segments.count - restIndex - 1
        guard path.count >= restIndex + 1 + suffixCount else { return nil }
        var captured: [String: String] = [:]
        for index in 0..<restIndex where !matchOne(segments[index], path[index], into: &captured) {
            return nil
        }
        for offset in 0..<suffixCount
        where !matchOne(segments[restIndex + 1 + offset], path[path.count - suffixCount + offset], into: &captured) {
            return nil
        }
        guard case .rest(let name) = segments[restIndex] else { return nil }
        captured[name] = path[restIndex..<(path.count - suffixCount)].joined(separator: "/")
        return captured
    }

    private func matchOne(_ segment: Segment, _ part: Substring, into captured: inout [String: String]) -> Bool {
        switch segment {
        case .literal(let literal): return part == literal
        case .parameter(let name):
            captured[name] = String(part)
            return true
        case .rest: return false
        }
    }
}
