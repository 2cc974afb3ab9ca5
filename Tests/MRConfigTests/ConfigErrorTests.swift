import MRConfig
import Testing

/// One bad configuration and where its error must point.
struct ErrorCase: Sendable, CustomTestStringConvertible {
    let name: String
    let yaml: String
    let kind: ConfigError.Kind
    let keyPath: String
    let line: Int
    let message: String

    var testDescription: String { name }

    init(_ name: String, _ yaml: String, _ kind: ConfigError.Kind, _ keyPath: String, line: Int, _ message: String) {
        self.name = name
        self.yaml = yaml
        self.kind = kind
        self.keyPath = keyPath
        self.line = line
        self.message = message
    }
}

@Suite("Configuration errors name the key path and the line")
struct ConfigErrorTests {
    static let cases: [ErrorCase] = [
        // Unknown keys, at every level.
        ErrorCase(
            "unknown top-level key", "server:\n  listen: 127.0.0.1:8080\nservre:\n  x: 1\n", .unknownKey, "servre",
            line: 3, "unknown key \"servre\"; did you mean \"server\"?"),
        ErrorCase(
            "unknown nested key", "probes:\n  workers: 4\n  intervall: 5m\n", .unknownKey, "probes.intervall", line: 3,
            "did you mean \"interval\"?"),
        ErrorCase(
            "unknown key in a provider", "providers:\n  - id: nvidia\n    api_kee: x\n", .unknownKey,
            "providers[0].api_kee", line: 3, "unknown key \"api_kee\""),
        ErrorCase(
            "unknown key in a model override",
            """
            providers:
              - id: sim
                type: simulated
                models:
                  - id: a/b
                  - id: c/d
                    capabilites: [chat]
            """, .unknownKey, "providers[0].models[1].capabilites", line: 7, "did you mean \"capabilities\"?"),
        // Wrong types.
        ErrorCase(
            "a list where a mapping belongs", "server: [1, 2]\n", .typeMismatch, "server", line: 1,
            "expected a mapping, got a list"),
        ErrorCase(
            "a word for an integer", "probes:\n  workers: abc\n", .typeMismatch, "probes.workers", line: 2,
            "expected an integer, got \"abc\""),
        ErrorCase(
            "a decimal for an integer", "storage:\n  retention_days: 1.5\n", .typeMismatch,
            "storage.retention_days", line: 2, "expected an integer"),
        ErrorCase(
            "a quoted integer", "probes:\n  workers: \"4\"\n", .typeMismatch, "probes.workers", line: 2,
            "got the quoted string \"4\""),
        ErrorCase(
            "a bool as a string", "server:\n  public_catalog: \"true\"\n", .typeMismatch,
            "server.public_catalog", line: 2, "expected true or false, got the quoted string \"true\""),
        ErrorCase(
            "a word for a bool", "providers:\n  - id: groq\n    discover: sometimes\n", .typeMismatch,
            "providers[0].discover", line: 3, "expected true or false"),
        ErrorCase(
            "a mapping for a string", "storage:\n  path:\n    a: b\n", .typeMismatch, "storage.path", line: 3,
            "expected a string, got a mapping"),
        ErrorCase(
            "null for an integer", "probes:\n  workers:\n", .typeMismatch, "probes.workers", line: 2,
            "got nothing (null)"),
        ErrorCase(
            "a mapping for the providers list", "providers:\n  nvidia: {}\n", .typeMismatch, "providers",
            line: 2, "expected a list, got a mapping"),
        ErrorCase(
            "a word for a provider", "providers:\n  - nvidia\n", .typeMismatch, "providers[0]", line: 2,
            "expected a mapping, got \"nvidia\""),
        ErrorCase(
            "a word for an alias list", "aliases:\n  fast: model-a\n", .typeMismatch, "aliases.fast", line: 2,
            "expected a list"),
        ErrorCase(
            "a string for a price",
            "providers:\n  - id: s\n    type: simulated\n    models:\n"
                + "      - id: a/b\n        input_cost_per_mtok: free\n", .typeMismatch,
            "providers[0].models[0].input_cost_per_mtok", line: 6, "expected a number"),
        // Out of range.
        ErrorCase(
            "too few workers", "probes:\n  workers: 0\n", .outOfRange, "probes.workers", line: 2,
            "must be between 1 and 256, got 0"),
        ErrorCase(
            "retention too long", "storage:\n  retention_days: 4000\n", .outOfRange, "storage.retention_days",
            line: 2, "must be between 1 and 3650, got 4000"),
        ErrorCase(
            "body limit too small", "server:\n  max_body_bytes: 10\n", .outOfRange, "server.max_body_bytes",
            line: 2, "must be between 1024 and 1073741824, got 10"),
        ErrorCase(
            "too many threads", "server:\n  threads: 65\n", .outOfRange, "server.threads", line: 2,
            "must be between 0 and 64, got 65"),
        ErrorCase(
            "too many fallbacks", "routing:\n  max_fallbacks: 11\n", .outOfRange, "routing.max_fallbacks",
            line: 2, "must be between 0 and 10"),
        ErrorCase(
            "zero threshold", "probes:\n  success_threshold: 0\n", .outOfRange, "probes.success_threshold",
            line: 2, "must be between 1 and 100"),
        ErrorCase(
            "negative rpm", "providers:\n  - id: groq\n    rpm: -1\n", .outOfRange, "providers[0].rpm", line: 3,
            "must be between 0 and 1000000, got -1"),
        ErrorCase(
            "negative price",
            "providers:\n  - id: s\n    type: simulated\n    models:\n"
                + "      - id: a/b\n        output_cost_per_mtok: -0.5\n", .outOfRange,
            "providers[0].models[0].output_cost_per_mtok", line: 6, "must not be negative"),
        // Durations.
        ErrorCase(
            "a bad duration", "probes:\n  timeout: 5 minutes\n", .invalidValue, "probes.timeout", line: 2,
            "invalid duration \"5 minutes\""),
        ErrorCase(
            "an unknown duration unit", "probes:\n  delay: 3w\n", .invalidValue, "probes.delay", line: 2,
            "unknown unit \"w\""),
        ErrorCase(
            "a negative duration", "probes:\n  interval: -5m\n", .invalidValue, "probes.interval", line: 2,
            "must not be negative"),
        ErrorCase(
            "a timeout over an hour", "routing:\n  request_timeout: 2h\n", .outOfRange,
            "routing.request_timeout", line: 2, "must be between 1ms and 1h, got 2h"),
        ErrorCase(
            "a zero timeout", "routing:\n  idle_timeout: 0\n", .outOfRange, "routing.idle_timeout", line: 2,
            "got 0s"),
        ErrorCase(
            "a probe timeout too short", "probes:\n  timeout: 50ms\n", .outOfRange, "probes.timeout", line: 2,
            "must be between 100ms and 10m, got 50ms"),
        ErrorCase(
            "an interval too short", "probes:\n  interval: 500ms\n", .outOfRange, "probes.interval", line: 2,
            "must be 0 (off) or between 1s and 7d, got 500ms"),
        // Other invalid values.
        ErrorCase(
            "a listen address without a port", "server:\n  listen: localhost\n", .invalidValue,
            "server.listen", line: 2, "invalid listen address \"localhost\""),
        ErrorCase(
            "an IPv6 listen address without brackets", "server:\n  listen: \"::1:8080\"\n", .invalidValue,
            "server.listen", line: 2, "brackets"),
        ErrorCase(
            "a port too large", "server:\n  listen: 127.0.0.1:70000\n", .invalidValue, "server.listen",
            line: 2, "between 0 and 65535"),
        ErrorCase(
            "an unknown strategy", "routing:\n  strategy: fastest\n", .invalidValue, "routing.strategy",
            line: 2, "expected one of cost, latency, capability, balanced, got \"fastest\""),
        ErrorCase(
            "an unknown signup mode", "auth:\n  signup: invite\n", .invalidValue, "auth.signup", line: 2,
            "expected one of open, closed"),
        ErrorCase(
            "an unknown provider type", "providers:\n  - id: x\n    type: gemini\n", .invalidValue,
            "providers[0].type", line: 3, "expected one of openai, anthropic, simulated"),
        ErrorCase(
            "an unknown capability",
            "providers:\n  - id: s\n    type: simulated\n    models:\n"
                + "      - id: a/b\n        capabilities: [chat, telepathy]\n", .invalidValue,
            "providers[0].models[0].capabilities[1]", line: 6, "got \"telepathy\""),
        ErrorCase(
            "a non-http base_url", "providers:\n  - id: x\n    type: openai\n    base_url: ftp://example.com\n",
            .invalidValue, "providers[0].base_url", line: 4, "is not an http:// or https:// URL"),
        ErrorCase(
            "a base_url without host", "providers:\n  - id: x\n    type: openai\n    base_url: https:///v1\n",
            .invalidValue, "providers[0].base_url", line: 4, "with a host"),
        ErrorCase(
            "a bad smtp_url", "auth:\n  smtp_url: http://mail\n", .invalidValue, "auth.smtp_url", line: 2,
            "smtp:// or smtps://"),
        ErrorCase(
            "an empty storage path", "storage:\n  path: \"\"\n", .invalidValue, "storage.path", line: 2,
            "must not be empty"),
        ErrorCase(
            "a provider id with a slash", "providers:\n  - id: a/b\n    type: simulated\n", .invalidValue,
            "providers[0].id", line: 2, "not a valid provider id"),
        ErrorCase(
            "an empty alias", "aliases:\n  fast: []\n", .invalidValue, "aliases.fast", line: 2,
            "at least one model"),
        ErrorCase(
            "an alias named auto", "aliases:\n  fast: [a/b]\n  auto: [a/b]\n", .invalidValue, "aliases.auto",
            line: 3, "reserved"),
        ErrorCase(
            "an empty alias member", "aliases:\n  fast: [a/b, \"\"]\n", .invalidValue, "aliases.fast[1]",
            line: 2, "must not be empty"),
        ErrorCase(
            "no capability",
            "providers:\n  - id: s\n    type: simulated\n    models:\n      - id: a/b\n"
                + "        capabilities: []\n", .invalidValue, "providers[0].models[0].capabilities", line: 6,
            "at least one"),
        // Missing and duplicate keys and ids.
        ErrorCase(
            "a provider without id", "providers:\n  - type: simulated\n", .missingKey, "providers[0]", line: 2,
            "missing required key \"id\""),
        ErrorCase(
            "a duplicate provider id", "providers:\n  - id: nvidia\n  - id: openai\n  - id: nvidia\n",
            .duplicateID, "providers[2].id", line: 4, "provider id \"nvidia\" is used twice"),
        ErrorCase(
            "a duplicate model id",
            "providers:\n  - id: s\n    type: simulated\n    models:\n      - id: a/b\n      - id: a/b\n",
            .duplicateID, "providers[0].models[1].id", line: 6, "listed twice"),
        ErrorCase(
            "a model listed twice in an alias", "aliases:\n  fast:\n    - a/b\n    - a/b\n", .duplicateID,
            "aliases.fast[1]", line: 4, "listed twice"),
        ErrorCase(
            "a duplicate key", "probes:\n  workers: 4\n  delay: 1s\n  workers: 8\n", .duplicateKey,
            "probes.workers", line: 4, "duplicate key \"workers\" (first at line 2)"),
        ErrorCase(
            "a duplicate key in a provider", "providers:\n  - id: a\n    type: simulated\n    type: openai\n",
            .duplicateKey, "providers[0].type", line: 4, "duplicate key \"type\" (first at line 3)"),
        ErrorCase(
            "a duplicate section", "server:\n  listen: :1\nstorage: {}\n\"server\": {}\n", .duplicateKey,
            "server", line: 4, "first at line 1"),
        ErrorCase(
            "a duplicate alias name", "aliases:\n  fast: [a/b]\n  slow: [c/d]\n  fast: [e/f]\n",
            .duplicateKey, "aliases.fast", line: 4, "first at line 2"),
        // Not YAML, or not a configuration.
        ErrorCase(
            "bad indentation", "server:\n  listen: 127.0.0.1:8080\n    port: 9\n", .invalidYAML, "", line: 3,
            "invalid YAML: mapping values are not allowed"),
        ErrorCase(
            "an unclosed flow list", "aliases:\n  fast: [a/b, c/d\nprobes:\n  workers: 2\n", .invalidYAML, "",
            line: 3, "invalid YAML"),
        ErrorCase("a tab indentation", "server:\n\tlisten: :80\n", .invalidYAML, "", line: 2, "invalid YAML"),
        ErrorCase(
            "plain words", "this is not a config\n", .invalidYAML, "", line: 1,
            "not a ModelRouter configuration"),
        ErrorCase(
            "a top-level list", "- server\n- probes\n", .invalidYAML, "", line: 1,
            "the top level must be a mapping"),
        ErrorCase("two documents", "server: {}\n---\nprobes: {}\n", .invalidYAML, "", line: 2, "invalid YAML"),
        ErrorCase("an undefined alias", "probes:\n  workers: *n\n", .invalidYAML, "", line: 2, "undefined alias"),
    ]

    @Test("each bad file fails at the right place", arguments: cases)
    func errorCase(_ errorCase: ErrorCase) throws {
        let error = try #require(parseError(errorCase.yaml))
        #expect(error.kind == errorCase.kind, "\(error)")
        #expect(error.keyPath == errorCase.keyPath, "\(error)")
        #expect(error.line == errorCase.line, "\(error)")
        #expect(error.message.contains(errorCase.message), "\(error)")
        #expect(error.file == "test.yaml")
        // The printed form leads with file:line and names the key path.
        #expect(error.description.hasPrefix("test.yaml:\(errorCase.line):"), "\(error)")
        if !errorCase.keyPath.isEmpty {
            #expect(error.description.contains(": \(errorCase.keyPath): "), "\(error)")
        }
    }

    @Test("the description's exact form")
    func descriptionForm() throws {
        let error = try #require(parseError("probes:\n  workers: 0\n"))
        #expect(error.description == "test.yaml:2:12: probes.workers: must be between 1 and 256, got 0")
        #expect(error.kind.description == "out_of_range")
        let noPosition = ConfigError(
            kind: .fileNotFound, file: nil, line: nil, column: nil, keyPath: "--db", message: "bad")
        #expect(noPosition.description == "--db: bad")
    }

    @Test("anchors and aliases resolve to the anchored values")
    func yamlAnchorsWork() throws {
        let config = try parse("probes:\n  timeout: &t 10s\nrouting:\n  idle_timeout: *t\n")
        #expect(config.routing.idleTimeout == .seconds(10))
    }
}
