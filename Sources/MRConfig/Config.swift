/// ModelRouter's whole configuration (SPEC "Configuration"): every value has a default, so
/// ``defaults(environment:)`` is exactly what loading no file gives.
///
/// Build one with ``ConfigLoader``, then apply command-line flags with ``applying(_:)``.
public struct Config: Sendable, Equatable {
    /// HTTP listener.
    public var server: ServerConfig
    /// SQLite database.
    public var storage: StorageConfig
    /// Credentials and signup.
    public var auth: AuthConfig
    /// Vendor endpoints, in file order.
    public var providers: [ProviderConfig]
    /// Probe schedule and thresholds.
    public var probes: ProbeConfig
    /// Router defaults and timeouts.
    public var routing: RoutingConfig
    /// Model aliases, in file order.
    public var aliases: [ModelAlias]
    /// State-change webhooks.
    public var notifications: NotificationsConfig
    /// `serve --demo`: add the simulated demo provider (set only by ``ConfigOverrides``, not by the file).
    public var demo: Bool

    /// A configuration from its sections; every parameter defaults to the SPEC's value, with no
    /// environment lookup (see ``defaults(environment:)`` for that).
    public init(
        server: ServerConfig = ServerConfig(),
        storage: StorageConfig = StorageConfig(),
        auth: AuthConfig = AuthConfig(),
        providers: [ProviderConfig] = [],
        probes: ProbeConfig = ProbeConfig(),
        routing: RoutingConfig = RoutingConfig(),
        aliases: [ModelAlias] = [],
        notifications: NotificationsConfig = NotificationsConfig(),
        demo: Bool = false
    ) {
        self.server = server
        self.storage = storage
        self.auth = auth
        self.providers = providers
        self.probes = probes
        self.routing = routing
        self.aliases = aliases
        self.notifications = notifications
        self.demo = demo
    }

    /// The configuration with no file: SPEC defaults, the `auth` values from `MODELROUTER_ADMIN_KEY`,
    /// `MODELROUTER_SECRET` and `MODELROUTER_SMTP_URL`, and one provider per ``ProviderPreset`` whose
    /// key variable is set (non-empty) in `environment`.
    public static func defaults(environment: [String: String]) -> Config {
        Config(
            auth: .defaults(environment: environment),
            providers: ProviderPreset.all.filter { $0.apiKey(in: environment) != nil }
                .map { $0.provider(environment: environment) })
    }

    /// The provider with this id.
    public func provider(id: String) -> ProviderConfig? {
        providers.first { $0.id == id }
    }

    /// The alias with this name.
    public func alias(named name: String) -> ModelAlias? {
        aliases.first { $0.name == name }
    }
}

extension Config {
    static let keys = ["server", "storage", "auth", "providers", "probes", "routing", "aliases", "notifications"]

    /// Reads a whole document over the defaults: sections and keys absent from the file keep theirs,
    /// a `providers` list given in the file replaces the preset-derived default list.
    init(from root: ConfigNode, defaults: Config) throws(ConfigError) {
        self = defaults
        let isMapping = if case .mapping = root.node { true } else { false }
        if !isMapping, !root.isNull {
            // A text that parses as YAML but is not a configuration (a bare word, a list): say so plainly.
            throw ConfigError(
                kind: .invalidYAML, file: root.context.file, line: root.node.mark?.line,
                column: root.node.mark?.column, keyPath: "",
                message: "not a ModelRouter configuration: the top level must be a mapping of sections ("
                    + Self.keys.joined(separator: ", ") + "), got \(root.shapeDescription)")
        }
        let map = try root.mapping(allowedKeys: Self.keys)
        if let node = map["server"] { server = try ServerConfig(from: node, defaults: server) }
        if let node = map["storage"] { storage = try StorageConfig(from: node, defaults: storage) }
        if let node = map["auth"] { auth = try AuthConfig(from: node, defaults: auth) }
        if let node = map["providers"] { providers = try ProviderConfig.list(from: node) }
        if let node = map["probes"] { probes = try ProbeConfig(from: node, defaults: probes) }
        if let node = map["routing"] { routing = try RoutingConfig(from: node, defaults: routing) }
        if let node = map["aliases"] { aliases = try ModelAlias.list(from: node) }
        if let node = map["notifications"] {
            notifications = try NotificationsConfig(from: node, defaults: notifications)
        }
    }
}
