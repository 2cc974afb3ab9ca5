#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Reads ModelRouter's YAML configuration (SPEC "Configuration").
///
/// Every scalar may use `${VAR}`, `${VAR:-default}` and `$${` (a literal `${`), expanded from the
/// given environment after parsing (see ``EnvironmentExpansion``); an unset variable is the empty string,
/// and an optional string that ends up empty is absent. Unknown keys, wrong types, out-of-range values
/// and duplicates are errors naming the file, line, column and key path.
public enum ConfigLoader {
    /// Environment variable naming the configuration file when no path is given.
    public static let pathVariable = "MODELROUTER_CONFIG"

    /// Loads the file at `path`, else the one named by `MODELROUTER_CONFIG` in `environment`, else
    /// returns ``Config/defaults(environment:)``. A file named either way must exist.
    public static func load(path: String?, environment: [String: String]) throws(ConfigError) -> Config {
        let named = path ?? environment[pathVariable].flatMap { $0.isEmpty ? nil : $0 }
        guard let file = named else { return .defaults(environment: environment) }
        return try parse(yaml: read(file), file: file, environment: environment)
    }

    /// Parses configuration text; `file` is the name used in error messages. Empty text (or only
    /// comments) gives the defaults.
    public static func parse(yaml: String, file: String, environment: [String: String]) throws(ConfigError) -> Config {
        let defaults = Config.defaults(environment: environment)
        guard let root = try YAMLDocument.compose(yaml, file: file) else { return defaults }
        let context = DecodingContext(file: file, expansion: EnvironmentExpansion(environment: environment))
        return try Config(from: ConfigNode(node: root, path: "", context: context), defaults: defaults)
    }

    private static func read(_ file: String) throws(ConfigError) -> String {
        func failure(_ kind: ConfigError.Kind, _ message: String) -> ConfigError {
            ConfigError(kind: kind, file: file, line: nil, column: nil, keyPath: "", message: message)
        }
        var isDirectory = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
            throw failure(.fileNotFound, "configuration file not found")
        }
        guard !isDirectory else { throw failure(.unreadableFile, "is a directory, not a configuration file") }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw failure(.unreadableFile, "cannot read the configuration file (check its permissions)")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw failure(.unreadableFile, "not UTF-8 text")
        }
        return text
    }
}
