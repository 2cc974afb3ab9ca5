/// A configuration problem, found at start-up or by `modelrouter check-config`, that names where it is:
/// `modelrouter.yaml:12:5: probes.workers: must be between 1 and 256, got 0`.
///
/// Equality compares every field, so tests can match exact errors; ``kind`` alone is a short,
/// value-free label fit for logs and metrics.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, without the details (`unknown_key`, `out_of_range`, …).
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Code: String, Hashable, Sendable {
            case fileNotFound = "file_not_found"
            case unreadableFile = "unreadable_file"
            case invalidYAML = "invalid_yaml"
            case unknownKey = "unknown_key"
            case duplicateKey = "duplicate_key"
            case missingKey = "missing_key"
            case typeMismatch = "type_mismatch"
            case invalidValue = "invalid_value"
            case outOfRange = "out_of_range"
            case duplicateID = "duplicate_id"
            case invalidVariable = "invalid_variable"
        }

        private let code: Code

        /// The file named explicitly (flag or `MODELROUTER_CONFIG`) does not exist.
        public static let fileNotFound = Kind(code: .fileNotFound)
        /// The file exists but cannot be read as UTF-8 text (a directory, no permission, binary data).
        public static let unreadableFile = Kind(code: .unreadableFile)
        /// The text is not YAML, or not a single YAML document whose top level is a mapping.
        public static let invalidYAML = Kind(code: .invalidYAML)
        /// A key that ModelRouter does not know (likely a typo): never silently ignored.
        public static let unknownKey = Kind(code: .unknownKey)
        /// The same key twice in one mapping.
        public static let duplicateKey = Kind(code: .duplicateKey)
        /// A required key is absent (a provider's `id`, a custom provider's `type` or `base_url`).
        public static let missingKey = Kind(code: .missingKey)
        /// A value of the wrong shape: a list where a mapping belongs, `"abc"` for an integer, …
        public static let typeMismatch = Kind(code: .typeMismatch)
        /// A value of the right type that is not acceptable (bad duration, URL, listen address, enum case).
        public static let invalidValue = Kind(code: .invalidValue)
        /// A number or duration outside its bounds.
        public static let outOfRange = Kind(code: .outOfRange)
        /// Two providers (or two models of a provider, or two alias members) with the same id.
        public static let duplicateID = Kind(code: .duplicateID)
        /// A malformed `${…}` reference.
        public static let invalidVariable = Kind(code: .invalidVariable)

        public var description: String { code.rawValue }
    }

    /// What went wrong, as a short label.
    public let kind: Kind
    /// The file the problem is in, or nil for a command-line flag.
    public let file: String?
    /// 1-based line of the offending key or value, when known.
    public let line: Int?
    /// 1-based column (in Unicode scalars) of the offending key or value, when known.
    public let column: Int?
    /// Dotted path of the offending key (`providers[0].models[2].capabilities`), a flag name such as
    /// `--listen`, or empty when the problem is the file as a whole.
    public let keyPath: String
    /// What is wrong, for a human.
    public let message: String

    /// Creates an error; prefer the locating helpers of the loader, which fill in the position.
    public init(kind: Kind, file: String?, line: Int?, column: Int?, keyPath: String, message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    /// `file:line:column: key.path: message`, leaving out the parts that are unknown.
    public var description: String {
        var location = file ?? ""
        if let line {
            location += location.isEmpty ? "line \(line)" : ":\(line)"
            if let column { location += ":\(column)" }
        }
        var parts: [String] = []
        if !location.isEmpty { parts.append(location) }
        if !keyPath.isEmpty { parts.append(keyPath) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}
