/// How log lines are written: `text` for a terminal, `json` (one object per line) for journald, Loki and co.
public enum LogFormat: String, Sendable, Hashable, CaseIterable {
    case text
    case json
}

/// The `server` section: the HTTP listener and what it exposes without authentication.
public struct ServerConfig: Sendable, Equatable {
    /// Bounds of ``maxBodyBytes``: 1 KiB to 1 GiB.
    public static let maxBodyBytesRange = 1024...(1 << 30)
    /// Bounds of ``threads``; 0 is one per online core, at most 8.
    public static let threadsRange = 0...64

    /// Listening address (`127.0.0.1:8080`).
    public var listen: ListenAddress
    /// Largest accepted request body; beyond it the answer is 413 `PAYLOAD_TOO_LARGE`.
    public var maxBodyBytes: Int
    /// When true, `/api/models*` answers without credentials.
    public var publicCatalog: Bool
    /// When set, `/metrics` requires `Authorization: Bearer <token>`; otherwise it is public.
    public var metricsToken: String?
    /// How `serve` writes its log (the `--log-format` flag overrides it).
    public var logFormat: LogFormat
    /// Event-loop threads, each serving its share of the connections and proxying their chats upstream
    /// (0: one per online core, at most 8).
    public var threads: Int

    /// A server section; every parameter defaults to the SPEC's value.
    public init(
        listen: ListenAddress = ListenAddress(host: "127.0.0.1", port: 8080),
        maxBodyBytes: Int = 1_048_576,
        publicCatalog: Bool = false,
        metricsToken: String? = nil,
        logFormat: LogFormat = .text,
        threads: Int = 0
    ) {
        self.listen = listen
        self.maxBodyBytes = maxBodyBytes
        self.publicCatalog = publicCatalog
        self.metricsToken = metricsToken
        self.logFormat = logFormat
        self.threads = threads
    }
}

extension ServerConfig {
    static let keys = ["listen", "max_body_bytes", "public_catalog", "metrics_token", "log_format", "threads"]

    /// Reads the section over `defaults`: keys absent from the file keep their default.
    init(from node: ConfigNode, defaults: ServerConfig) throws(ConfigError) {
        self = defaults
        let map = try node.mapping(allowedKeys: Self.keys)
        if let value = map["listen"] { listen = try value.listenAddress() }
        if let value = map["max_body_bytes"] { maxBodyBytes = try value.int(in: Self.maxBodyBytesRange) }
        if let value = map["public_catalog"] { publicCatalog = try value.bool() }
        if let value = map["metrics_token"] { metricsToken = try value.optionalString() }
        if let value = map["log_format"] { logFormat = try value.choice(LogFormat.self) }
        if let value = map["threads"] { threads = try value.int(in: Self.threadsRange) }
    }
}

extension ConfigNode {
    /// A listen address (see ``ListenAddress``).
    func listenAddress() throws(ConfigError) -> ListenAddress {
        let value = try requiredScalar(expecting: "a listen address (HOST:PORT)")
        do {
            return try ListenAddress(parsing: value.text)
        } catch {
            throw failure(.invalidValue, error.message)
        }
    }
}
