import MRConfig
import Testing

@Suite("Redaction, warnings and YAML corners")
struct ConfigExtrasTests {
    @Test("printing a configuration never shows a secret")
    func redaction() throws {
        let environment = [
            "NVIDIA_API_KEY": "nvapi-SECRET1", "MODELROUTER_SECRET": "SECRET2", "MODELROUTER_ADMIN_KEY": "SECRET3",
            "MODELROUTER_SMTP_URL": "smtp://u:SECRET4@mail",
        ]
        let config = try parse(
            "server:\n  metrics_token: SECRET5\nproviders:\n  - id: nvidia\n", environment: environment)
        let printed = ["\(config)", String(describing: config), String(reflecting: config), "\(config.providers)"]
        for text in printed {
            #expect(!text.contains("SECRET"), "\(text)")
            #expect(text.contains("<redacted>"))
        }
        #expect("\(config.providers[0])".contains("integrate.api.nvidia.com"))
        #expect(config.providers[0].apiKey == "nvapi-SECRET1")
    }

    @Test("the defaults have no warnings")
    func noWarningsByDefault() {
        #expect(Config().warnings.isEmpty)
    }

    @Test("warnings for a preset without key and for timeouts that cannot work")
    func warnings() throws {
        let yaml = """
            providers:
              - id: nvidia
              - id: local
                type: openai
                base_url: http://127.0.0.1:1/v1
            probes:
              timeout: 5s
              degraded_after: 5s
            routing:
              first_token_timeout: 2m
              request_timeout: 1m
            """
        let warnings = try parse(yaml).warnings
        #expect(warnings.count == 3, "\(warnings)")
        #expect(warnings.contains { $0.hasPrefix("providers.nvidia: no API key (set NVIDIA_API_KEY") })
        #expect(warnings.contains { $0.hasPrefix("probes.degraded_after (5s)") })
        #expect(warnings.contains { $0.hasPrefix("routing.first_token_timeout (2m)") })
        #expect(try parse(yaml, environment: ["NVIDIA_API_KEY": "k"]).warnings.count == 2)
    }

    @Test("YAML forms a user may write")
    func yamlForms() throws {
        let config = try parse(
            """
            server: {listen: ":8080", public_catalog: on}
            storage:
              path: >-
                /srv/modelrouter/db.sqlite
            probes:
              workers: !!int 3
              delay: "1.5s"
              timeout: 90
            aliases: {quick: [a/b]}
            """)
        #expect(config.server.listen == ListenAddress(host: "0.0.0.0", port: 8080))
        #expect(config.server.publicCatalog)
        #expect(config.storage.path == "/srv/modelrouter/db.sqlite")
        #expect(config.probes.workers == 3)
        #expect(config.probes.delay == .milliseconds(1500))
        #expect(config.probes.timeout == .seconds(90))
        #expect(config.aliases == [ModelAlias(name: "quick", models: ["a/b"])])
        #expect(try parse("server:\n  listen: :9000\n").server.listen.port == 9000)
    }
}
