/// Command-line flags of `modelrouter serve` that override the file: `--listen`, `--db`, `--demo`.
public struct ConfigOverrides: Sendable, Equatable {
    /// `--listen HOST:PORT`, in any form ``ListenAddress`` accepts.
    public var listen: String?
    /// `--db PATH`.
    public var databasePath: String?
    /// `--demo`: add the simulated demo provider.
    public var demo: Bool

    /// Flags as given; nil and false leave the file's values alone.
    public init(listen: String? = nil, databasePath: String? = nil, demo: Bool = false) {
        self.listen = listen
        self.databasePath = databasePath
        self.demo = demo
    }
}

extension Config {
    /// This configuration with the flags applied; a bad flag value is an error naming the flag.
    public func applying(_ overrides: ConfigOverrides) throws(ConfigError) -> Config {
        func failure(_ flag: String, _ message: String) -> ConfigError {
            ConfigError(kind: .invalidValue, file: nil, line: nil, column: nil, keyPath: flag, message: message)
        }
        var config = self
        if let listen = overrides.listen {
            do {
                config.server.listen = try ListenAddress(parsing: listen)
            } catch {
                throw failure("--listen", error.message)
            }
        }
        if let path = overrides.databasePath {
            guard !path.isEmpty else { throw failure("--db", "must not be empty") }
            config.storage.path = path
        }
        if overrides.demo { config.demo = true }
        return config
    }
}
