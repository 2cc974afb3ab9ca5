import MRCommon

/// The `notifications` section: webhooks told about every deployment state change, for operators without
/// Alertmanager.
///
/// ```yaml
/// notifications:
///   queue_size: 1000          # per webhook; when full the oldest message is dropped (and counted)
///   retries: 3                # after the first attempt, with exponential backoff
///   webhooks:
///     - url: ${SLACK_WEBHOOK_URL}
///       format: slack         # json (default) | slack
///       events: [down, up]    # default: every change
///       timeout: 10s
///       headers: {Authorization: "Bearer ${HOOK_TOKEN}"}
/// ```
public struct NotificationsConfig: Sendable, Equatable {
    /// Bounds of ``queueSize``.
    public static let queueSizeRange = 1...100_000
    /// Bounds of ``retries``.
    public static let retriesRange = 0...20

    /// Where to POST, in file order.
    public var webhooks: [WebhookConfig]
    /// Messages waiting per webhook before the oldest is dropped.
    public var queueSize: Int
    /// Further attempts after a failed first one (5xx, 408, 429, timeouts, connection failures).
    public var retries: Int

    /// A notifications section; the default has no webhook.
    public init(webhooks: [WebhookConfig] = [], queueSize: Int = 1000, retries: Int = 3) {
        self.webhooks = webhooks
        self.queueSize = queueSize
        self.retries = retries
    }
}

/// One `notifications.webhooks` entry.
public struct WebhookConfig: Sendable, Equatable {
    /// Bounds of ``timeout``.
    public static let timeoutRange: ClosedRange<Duration> = .milliseconds(100) ... .seconds(300)

    /// The body's shape.
    public enum Format: String, Sendable, Hashable, CaseIterable {
        /// ModelRouter's own JSON object (every field of the state change).
        case json
        /// `{"text": "…"}`, which Slack, Mattermost, Rocket.Chat and Discord's `/slack` endpoint accept.
        case slack
    }

    /// Which changes to send: the state a deployment moves to.
    public enum Event: String, Sendable, Hashable, CaseIterable {
        case up
        case down
        case unknown
    }

    /// Absolute http(s) URL. Often a secret itself (Slack's are): never logged or printed.
    public var url: String
    public var format: Format
    /// The states whose changes are sent; nil sends every change.
    public var events: Set<Event>?
    /// Bound on one attempt, connection included.
    public var timeout: Duration
    /// Extra request headers (an `Authorization` for the receiver, say), in file order.
    public var headers: [(String, String)]

    /// A webhook entry; only the URL is required.
    public init(
        url: String, format: Format = .json, events: Set<Event>? = nil, timeout: Duration = .seconds(10),
        headers: [(String, String)] = []
    ) {
        self.url = url
        self.format = format
        self.events = events
        self.timeout = timeout
        self.headers = headers
    }

    /// Whether a change to `state` (`up`, `down`, `unknown`) is sent to this webhook.
    public func wants(_ state: String) -> Bool {
        guard let events else { return true }
        return Event(rawValue: state).map(events.contains) ?? false
    }

    /// The URL's scheme and host only, for logs: the path and query of a webhook URL are often the secret.
    public var redactedURL: String {
        let scheme = url.lowercased().hasPrefix("https://") ? "https://" : "http://"
        let host = url.dropFirst(scheme.count).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let withoutCredentials = host.split(separator: "@").last.map(String.init) ?? ""
        return scheme + withoutCredentials + "/…"
    }

    public static func == (lhs: WebhookConfig, rhs: WebhookConfig) -> Bool {
        lhs.url == rhs.url && lhs.format == rhs.format && lhs.events == rhs.events && lhs.timeout == rhs.timeout
            && lhs.headers.elementsEqual(rhs.headers) { $0.0 == $1.0 && $0.1 == $1.1 }
    }
}

extension WebhookConfig: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String {
        let events = events.map { $0.map(\.rawValue).sorted().joined(separator: ",") } ?? "all"
        return "WebhookConfig(url: \(redactedURL), format: \(format.rawValue), events: \(events), "
            + "timeout: \(timeout.formattedShort), headers: \(headers.map(\.0)) <values redacted>)"
    }
    public var debugDescription: String { description }
}

// MARK: - Decoding

extension NotificationsConfig {
    static let keys = ["webhooks", "queue_size", "retries"]

    init(from node: ConfigNode, defaults: NotificationsConfig) throws(ConfigError) {
        self = defaults
        let map = try node.mapping(allowedKeys: Self.keys)
        if let value = map["queue_size"] { queueSize = try value.int(in: Self.queueSizeRange) }
        if let value = map["retries"] { retries = try value.int(in: Self.retriesRange) }
        if let value = map["webhooks"] {
            webhooks = []
            for item in try value.list() { webhooks.append(try WebhookConfig(from: item)) }
        }
    }
}

extension WebhookConfig {
    static let keys = ["url", "format", "events", "timeout", "headers"]

    init(from node: ConfigNode) throws(ConfigError) {
        let map = try node.mapping(allowedKeys: Self.keys)
        let urlNode = try map.required("url", hint: " (the http:// or https:// address to POST to)")
        self.init(url: try Self.validatedURL(urlNode))
        if let value = map["format"] { format = try value.choice(Format.self) }
        if let value = map["events"] {
            var events = Set<Event>()
            for item in try value.list() { events.insert(try item.choice(Event.self)) }
            guard !events.isEmpty else {
                throw value.failure(.invalidValue, "must list at least one of up, down, unknown (or leave it out)")
            }
            self.events = events
        }
        if let value = map["timeout"] { timeout = try value.duration(in: Self.timeoutRange) }
        if let value = map["headers"] {
            for entry in try value.mapping(allowedKeys: nil).entries {
                let name = entry.key
                guard HTTPToken.isToken(name) else {
                    throw entry.keyNode.failure(.invalidValue, "\"\(name)\" is not a valid HTTP header name")
                }
                let headerValue = try entry.value.string()
                guard !headerValue.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                    throw entry.value.failure(.invalidValue, "a header value must not contain line breaks")
                }
                headers.append((name, headerValue))
            }
        }
    }

    /// An absolute http(s) URL with a host and no whitespace. The message never repeats the URL: it may be
    /// a secret (Slack's webhook URLs are), and errors end up in logs.
    private static func validatedURL(_ node: ConfigNode) throws(ConfigError) -> String {
        let url = try node.string()
        let scheme = ["http://", "https://"].first { url.lowercased().hasPrefix($0) }
        let host = scheme.map { url.dropFirst($0.count).prefix { $0 != "/" && $0 != "?" && $0 != "#" } } ?? ""
        guard scheme != nil, !host.isEmpty, !host.hasPrefix(":"),
            !url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F })
        else {
            throw node.failure(.invalidValue, "must be an http:// or https:// URL with a host (value not shown)")
        }
        return url
    }
}
