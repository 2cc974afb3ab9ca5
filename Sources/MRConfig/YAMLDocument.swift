import Yams

/// Turns configuration text into a Yams node tree, translating Yams' errors into located ``ConfigError``s.
enum YAMLDocument {
    /// The root node of `yaml`, or nil for a document with no content (empty, or only comments).
    static func compose(_ yaml: String, file: String) throws(ConfigError) -> Node? {
        do {
            return try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw translate(error, yaml: yaml, file: file)
        } catch {
            throw ConfigError(
                kind: .invalidYAML, file: file, line: nil, column: nil, keyPath: "", message: "invalid YAML: \(error)")
        }
    }

    private static func translate(_ error: YamlError, yaml: String, file: String) -> ConfigError {
        func invalid(_ mark: Mark?, _ message: String, line: Int? = nil) -> ConfigError {
            ConfigError(
                kind: .invalidYAML, file: file, line: mark?.line ?? line, column: mark?.column, keyPath: "",
                message: "invalid YAML: \(message)")
        }
        func explained(_ problem: String, _ context: YamlError.Context?) -> String {
            guard let context else { return problem }
            return "\(problem) (\(context.text) at line \(context.mark.line))"
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return invalid(mark, explained(problem, context))
        case .reader(let problem, let offset, _, _):
            let line = offset.map { offset in yaml.utf8.prefix(offset).count { $0 == UInt8(ascii: "\n") } + 1 }
            return invalid(nil, problem, line: line)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return duplicateKeyError(key: duplicates.first ?? "", mark: context.mark, yaml: yaml, file: file)
        default:
            return invalid(nil, "\(error)")
        }
    }

    // MARK: - Duplicate keys

    private static let sentinel = "__modelrouter_duplicate_key__"

    /// Yams rejects a duplicate key before building a tree, so it cannot say where in the configuration
    /// the mapping is. To name the key path, mark the reported occurrence with a sentinel (same line, so
    /// positions stay right), compose again, and find the sentinel in the tree. If that fails for any
    /// reason, the error still names the line.
    private static func duplicateKeyError(key: String, mark: Mark, yaml: String, file: String) -> ConfigError {
        let fallback = ConfigError(
            kind: .duplicateKey, file: file, line: mark.line, column: mark.column, keyPath: "",
            message: "duplicate key \"\(key)\"")
        guard let marked = insertSentinel(into: yaml, at: mark),
            let root = try? Yams.compose(yaml: marked),
            let found = locateSentinel(in: root, key: key, path: "")
        else { return fallback }
        // Report the later occurrence: the earlier one is where the key was "first" defined.
        let ordered = [found.marked, found.other].sorted { ($0.line, $0.column) < ($1.line, $1.column) }
        return ConfigError(
            kind: .duplicateKey, file: file, line: ordered[1].line, column: ordered[1].column, keyPath: found.path,
            message: "duplicate key \"\(key)\" (first at line \(ordered[0].line))")
    }

    private static func insertSentinel(into yaml: String, at mark: Mark) -> String? {
        var lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard mark.line >= 1, mark.line <= lines.count else { return nil }
        var scalars = Array(lines[mark.line - 1].unicodeScalars)
        var position = mark.column - 1
        guard position >= 0, position < scalars.count else { return nil }
        if scalars[position] == "\"" || scalars[position] == "'" { position += 1 }
        scalars.insert(contentsOf: sentinel.unicodeScalars, at: position)
        var line = String.UnicodeScalarView()
        line.append(contentsOf: scalars)
        lines[mark.line - 1] = String(line)
        return lines.joined(separator: "\n")
    }

    private static func locateSentinel(
        in node: Node, key: String, path: String
    ) -> (path: String, marked: Mark, other: Mark)? {
        switch node {
        case .mapping(let mapping):
            if let marked = mapping.first(where: { $0.key.scalar?.string == sentinel + key })?.key.mark,
                let other = mapping.first(where: { $0.key.scalar?.string == key })?.key.mark
            {
                return (path.isEmpty ? key : "\(path).\(key)", marked, other)
            }
            for (childKey, value) in mapping {
                let name = childKey.scalar?.string ?? "?"
                if let found = locateSentinel(in: value, key: key, path: path.isEmpty ? name : "\(path).\(name)") {
                    return found
                }
            }
        case .sequence(let sequence):
            for (index, element) in sequence.enumerated() {
                if let found = locateSentinel(in: element, key: key, path: "\(path)[\(index)]") { return found }
            }
        case .scalar, .alias:
            break
        }
        return nil
    }
}
