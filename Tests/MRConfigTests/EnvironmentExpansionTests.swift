import Testing

@testable import MRConfig

@Suite("${VAR} expansion")
struct EnvironmentExpansionTests {
    static let environment = ["A": "a", "B": "b", "EMPTY": "", "_X1": "x"]

    @Test(
        "expansion of one scalar",
        arguments: [
            ("plain", "plain"),
            ("${A}", "a"),
            ("x-${A}-y", "x-a-y"),
            ("${A}${B}", "ab"),
            ("${_X1}", "x"),
            ("${UNSET}", ""),
            ("${EMPTY}", ""),
            ("${UNSET:-fallback}", "fallback"),
            ("${EMPTY:-fallback}", "fallback"),
            ("${A:-fallback}", "a"),
            ("${UNSET:-}", ""),
            ("${UNSET:-http://h:1/v1}", "http://h:1/v1"),
            ("$${A}", "${A}"),
            ("$${A}${A}", "${A}a"),
            ("$$", "$$"),
            ("$A", "$A"),
            ("$STATE_DIRECTORY/db", "$STATE_DIRECTORY/db"),
            ("cost $5", "cost $5"),
            ("trailing $", "trailing $"),
        ])
    func expands(text: String, expected: String) throws {
        #expect(try EnvironmentExpansion(environment: Self.environment).expand(text) == expected)
    }

    @Test("malformed references", arguments: ["${", "${A", "x ${A", "${}", "${1A}", "${A B}", "${A-b}", "${:-x}"])
    func malformed(text: String) {
        #expect(throws: EnvironmentExpansion.Failure.self) {
            try EnvironmentExpansion(environment: Self.environment).expand(text)
        }
    }

    @Test("an unset key variable means no key; optional strings treat empty as absent")
    func unsetOptionalStrings() throws {
        let yaml = """
            server:
              metrics_token: ${METRICS_TOKEN}
            auth:
              admin_key: ""
              secret: ${SECRET:-dev-secret}
            providers:
              - id: local
                type: openai
                base_url: ${LOCAL_URL:-http://127.0.0.1:11434/v1}
                api_key: ${LOCAL_KEY}
            """
        let config = try parse(yaml)
        #expect(config.server.metricsToken == nil)
        #expect(config.auth.adminKey == nil)
        #expect(config.auth.secret == "dev-secret")
        #expect(config.providers.first?.apiKey == nil)
        #expect(config.providers.first?.baseURL == "http://127.0.0.1:11434/v1")

        let withVariables = try parse(
            yaml, environment: ["METRICS_TOKEN": "t0k", "SECRET": "real", "LOCAL_URL": "https://llm.lan/v1/"])
        #expect(withVariables.server.metricsToken == "t0k")
        #expect(withVariables.auth.secret == "real")
        // A trailing slash is dropped so that `{base_url}/models` is well formed.
        #expect(withVariables.providers.first?.baseURL == "https://llm.lan/v1")
    }

    @Test("typed values expand before they are read")
    func typedValues() throws {
        let yaml = """
            server:
              listen: ${HOST:-127.0.0.1}:${PORT}
              public_catalog: ${PUBLIC}
            probes:
              workers: ${WORKERS:-4}
              timeout: "${PROBE_TIMEOUT:-30s}"
            """
        let config = try parse(yaml, environment: ["PORT": "9000", "PUBLIC": "true", "WORKERS": "12"])
        #expect(config.server.listen == ListenAddress(host: "127.0.0.1", port: 9000))
        #expect(config.server.publicCatalog)
        #expect(config.probes.workers == 12)
        #expect(config.probes.timeout == .seconds(30))

        let error = try #require(parseError(yaml, environment: ["PORT": "9000", "PUBLIC": "true", "WORKERS": "many"]))
        #expect(error.keyPath == "probes.workers")
        #expect(error.line == 5)
        #expect(error.message == "expected an integer, got \"many\" (from \"${WORKERS:-4}\")")
    }

    @Test("a value cannot inject YAML, and keys are not expanded")
    func noInjection() throws {
        let yaml = """
            auth:
              secret: ${SECRET}
            """
        let config = try parse(yaml, environment: ["SECRET": "x\nsignup: closed\n  - [}"])
        #expect(config.auth.secret == "x\nsignup: closed\n  - [}")
        #expect(config.auth.signup == .open)

        let error = try #require(parseError("${SECTION}:\n  workers: 1\n", environment: ["SECTION": "probes"]))
        #expect(error.kind == .unknownKey)
        #expect(error.keyPath == "${SECTION}")
    }

    @Test("a literal ${ is written $${")
    func escaping() throws {
        let config = try parse("auth:\n  secret: pa$${ss}word\n", environment: ["ss": "no"])
        #expect(config.auth.secret == "pa${ss}word")
    }

    @Test("a malformed reference is a located error")
    func malformedInFile() throws {
        let error = try #require(parseError("storage:\n  retention_days: 30\n  path: ${STATE_DIRECTORY/db\n"))
        #expect(error.kind == .invalidVariable)
        #expect(error.keyPath == "storage.path")
        #expect(error.line == 3)
    }
}
