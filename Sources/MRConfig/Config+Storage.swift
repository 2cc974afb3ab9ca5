/// The `storage` section: the SQLite database of probe results, reports and accounts.
public struct StorageConfig: Sendable, Equatable {
    /// Bounds of ``retentionDays``: one day to ten years.
    public static let retentionDaysRange = 1...3650

    /// Database file path (relative paths are relative to the working directory).
    public var path: String
    /// Raw probe results older than this many days are pruned (roll-ups keep the history).
    public var retentionDays: Int

    /// A storage section; every parameter defaults to the SPEC's value.
    public init(path: String = "./modelrouter.db", retentionDays: Int = 30) {
        self.path = path
        self.retentionDays = retentionDays
    }
}

extension StorageConfig {
    static let keys = ["path", "retention_days"]

    /// Reads the section over `defaults`: keys absent from the file keep their default.
    init(from node: ConfigNode, defaults: StorageConfig) throws(ConfigError) {
        self = defaults
        let map = try node.mapping(allowedKeys: Self.keys)
        if let value = map["path"] { path = try value.string() }
        if let value = map["retention_days"] { retentionDays = try value.int(in: Self.retentionDaysRange) }
    }
}
