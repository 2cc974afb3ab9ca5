import ArgumentParser
import Logging
import MRApp
import MRConfig

#if canImport(Glibc)
    import Glibc
#endif

/// `--config`, shared by every command that reads the configuration.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "YAML config file (default: $MODELROUTER_CONFIG, else built-in defaults).")
    var config: String?

    @Option(name: .long, help: "SQLite database path (overrides storage.path).")
    var db: String?

    /// The configuration with `--db` applied; exits with the loader's message on an invalid file.
    func load(listen: String? = nil, demo: Bool = false) throws -> Config {
        // systemd credentials ($CREDENTIALS_DIRECTORY) count as variables the environment leaves unset.
        let environment = CredentialsEnvironment.overlay(ProcessEnvironment.current)
        do {
            let loaded = try ConfigLoader.load(path: config, environment: environment)
            return try loaded.applying(ConfigOverrides(listen: listen, databasePath: db, demo: demo))
        } catch {
            throw ValidationFailure(message: "\(error)")
        }
    }
}

/// A user-facing failure: printed as is, exit code 1.
struct ValidationFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

enum ProcessEnvironment {
    static var current: [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }
}

enum Logs {
    /// swift-log to stderr at `--log-level`, else `$MODELROUTER_LOG_LEVEL`, else info; as text or one JSON
    /// object per line.
    static func bootstrap(level: String?, format: LogFormat = .text) -> Logger {
        let name = level ?? ProcessEnvironment.current["MODELROUTER_LOG_LEVEL"] ?? "info"
        let parsed = Logger.Level(rawValue: name.lowercased()) ?? .info
        LoggingSystem.bootstrap { label in
            if format == .json { return JSONLogHandler(label: label, level: parsed) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = parsed
            return handler
        }
        var logger = Logger(label: "modelrouter")
        logger.logLevel = parsed
        return logger
    }
}
