import MRConfig
import Testing

@Suite("Defaults and the SPEC example")
struct ConfigDefaultsTests {
    @Test("every default is the SPEC's value")
    func defaultsMatchSpec() {
        let config = Config.defaults(environment: [:])
        #expect(config.server.listen == ListenAddress(host: "127.0.0.1", port: 8080))
        #expect(config.server.maxBodyBytes == 1_048_576)
        #expect(config.server.publicCatalog == false)
        #expect(config.server.metricsToken == nil)
        #expect(config.storage.path == "./modelrouter.db")
        #expect(config.storage.retentionDays == 30)
        #expect(config.auth == AuthConfig(adminKey: nil, secret: nil, signup: .open, smtpURL: nil))
        #expect(config.providers.isEmpty)
        #expect(config.probes.interval == .seconds(300))
        #expect(config.probes.workers == 4)
        #expect(config.probes.delay == .milliseconds(250))
        #expect(config.probes.timeout == .seconds(30))
        #expect(config.probes.degradedAfter == .seconds(5))
        #expect(config.probes.failureThreshold == 2)
        #expect(config.probes.successThreshold == 1)
        #expect(config.probes.isScheduled)
        #expect(config.routing.strategy == .balanced)
        #expect(config.routing.maxFallbacks == 2)
        #expect(config.routing.firstTokenTimeout == .seconds(30))
        #expect(config.routing.idleTimeout == .seconds(30))
        #expect(config.routing.requestTimeout == .seconds(300))
        #expect(config.aliases.isEmpty)
        #expect(config.demo == false)
        #expect(config == Config())
    }

    @Test("no file, an empty file and a comments-only file all give the defaults")
    func emptyInputsAreDefaults() throws {
        let environment = ["MODELROUTER_SECRET": "s", "GROQ_API_KEY": "gsk"]
        let defaults = Config.defaults(environment: environment)
        #expect(try ConfigLoader.load(path: nil, environment: environment) == defaults)
        #expect(try ConfigLoader.parse(yaml: "", file: "x.yaml", environment: environment) == defaults)
        #expect(try ConfigLoader.parse(yaml: "# nothing\n\n", file: "x.yaml", environment: environment) == defaults)
        #expect(try ConfigLoader.parse(yaml: "~\n", file: "x.yaml", environment: environment) == defaults)
        #expect(defaults.auth.secret == "s")
        #expect(defaults.providers.map(\.id) == ["groq"])
    }

    @Test("auth defaults come from the environment, empty meaning unset")
    func authDefaultsFromEnvironment() throws {
        let environment = [
            "MODELROUTER_ADMIN_KEY": "ar_admin", "MODELROUTER_SECRET": "", "MODELROUTER_SMTP_URL": "smtp://mail:25",
        ]
        let config = try parse("server:\n  public_catalog: true\n", environment: environment)
        #expect(config.auth == AuthConfig(adminKey: "ar_admin", secret: nil, signup: .open, smtpURL: "smtp://mail:25"))
        #expect(config.server.publicCatalog)
    }

    @Test("sections with every key commented out keep their defaults")
    func nullSections() throws {
        let config = try parse("server:\nprobes:\n  # workers: 8\nproviders:\naliases:\n")
        #expect(config == Config())
    }

    @Test("the SPEC's example file parses to the expected values")
    func specExample() throws {
        let environment = [
            "NVIDIA_API_KEY": "nvapi-test", "MODELROUTER_SECRET": "secret-1", "MODELROUTER_ADMIN_KEY": "",
        ]
        let config = try parse(Self.specExample, environment: environment)
        let expected = Config(
            server: ServerConfig(
                listen: ListenAddress(host: "127.0.0.1", port: 8080), maxBodyBytes: 1_048_576, publicCatalog: false),
            storage: StorageConfig(path: "./modelrouter.db", retentionDays: 30),
            auth: AuthConfig(adminKey: nil, secret: "secret-1", signup: .open, smtpURL: nil),
            providers: [
                ProviderConfig(
                    id: "nvidia", type: .openai, baseURL: "https://integrate.api.nvidia.com/v1", apiKey: "nvapi-test",
                    rpm: 40, discover: true, probe: true,
                    models: [
                        ModelOverride(
                            id: "meta/llama-3.1-8b-instruct", upstreamID: "meta/llama-3.1-8b-instruct",
                            capabilities: [.chat, .code], inputCostPerMTok: 0, outputCostPerMTok: 0)
                    ])
            ],
            probes: ProbeConfig(
                interval: .seconds(300), workers: 4, delay: .milliseconds(250), timeout: .seconds(30),
                degradedAfter: .seconds(5), failureThreshold: 2, successThreshold: 1),
            routing: RoutingConfig(
                strategy: .balanced, maxFallbacks: 2, firstTokenTimeout: .seconds(30), idleTimeout: .seconds(30),
                requestTimeout: .seconds(300)),
            aliases: [
                ModelAlias(name: "fast-chat", models: ["groq/llama-3.1-8b-instant", "meta/llama-3.1-8b-instruct"])
            ]
        )
        #expect(config == expected)
    }

    @Test("a file with every value changed reads every key")
    func everyKeyChanged() throws {
        let yaml = """
            server:
              listen: "[::1]:9090"
              max_body_bytes: 2_000_000
              public_catalog: yes
              metrics_token: scrape-me
              threads: 3
            storage:
              path: /var/lib/modelrouter/db.sqlite
              retention_days: 90
            auth:
              admin_key: ar_boot
              secret: 'quoted secret'
              signup: closed
              smtp_url: smtps://user:pw@mail.example.com:465
            providers:
              - id: sim
                type: simulated
                rpm: 100
                discover: false
                probe: false
                models:
                  - id: sim/fast
                    upstream_id: fast-v2
                    capabilities: [chat, vision, chat]
                    input_cost_per_mtok: 0.15
                    output_cost_per_mtok: 1
                    context_length: 128000
                    probe: true
            probes:
              interval: 0
              workers: 16
              delay: 0
              timeout: 1.5s
              degraded_after: 800ms
              failure_threshold: 3
              success_threshold: 2
            routing:
              strategy: latency
              max_fallbacks: 0
              first_token_timeout: 10s
              idle_timeout: 1m
              request_timeout: 1h
            aliases:
              b-team: [x/one]
              a-team:
                - x/two
                - x/three
            """
        let config = try parse(yaml)
        #expect(
            config.server
                == ServerConfig(
                    listen: ListenAddress(host: "::1", port: 9090), maxBodyBytes: 2_000_000, publicCatalog: true,
                    metricsToken: "scrape-me", threads: 3))
        #expect(config.storage == StorageConfig(path: "/var/lib/modelrouter/db.sqlite", retentionDays: 90))
        #expect(
            config.auth
                == AuthConfig(
                    adminKey: "ar_boot", secret: "quoted secret", signup: .closed,
                    smtpURL: "smtps://user:pw@mail.example.com:465"))
        #expect(
            config.providers == [
                ProviderConfig(
                    id: "sim", type: .simulated, baseURL: nil, apiKey: nil, rpm: 100, discover: false, probe: false,
                    models: [
                        ModelOverride(
                            id: "sim/fast", upstreamID: "fast-v2", capabilities: [.chat, .vision],
                            inputCostPerMTok: 0.15,
                            outputCostPerMTok: 1, contextLength: 128_000, probe: true)
                    ])
            ])
        #expect(
            config.probes
                == ProbeConfig(
                    interval: .zero, workers: 16, delay: .zero, timeout: .milliseconds(1500),
                    degradedAfter: .milliseconds(800), failureThreshold: 3, successThreshold: 2))
        #expect(!config.probes.isScheduled)
        #expect(
            config.routing
                == RoutingConfig(
                    strategy: .latency, maxFallbacks: 0, firstTokenTimeout: .seconds(10), idleTimeout: .seconds(60),
                    requestTimeout: .seconds(3600)))
        // File order is kept, not sorted.
        #expect(config.aliases.map(\.name) == ["b-team", "a-team"])
        #expect(config.alias(named: "a-team")?.models == ["x/two", "x/three"])
        #expect(config.alias(named: "c-team") == nil)
        #expect(config.provider(id: "sim")?.models.first?.upstreamID == "fast-v2")
    }

    @Test("a model override's upstream id defaults to its id")
    func upstreamIDDefault() throws {
        let config = try parse(
            "providers:\n  - id: sim\n    type: simulated\n    models:\n      - id: a/b\n")
        let model = try #require(config.providers.first?.models.first)
        #expect(model == ModelOverride(id: "a/b", upstreamID: "a/b"))
        #expect(model.capabilities == nil && model.probe == nil && model.inputCostPerMTok == nil)
    }

    /// The example from SPEC.md "Configuration", verbatim.
    static let specExample = """
        server:
          listen: 127.0.0.1:8080
          max_body_bytes: 1048576
          public_catalog: false        # true: /api/models* without auth
        storage:
          path: ./modelrouter.db       # systemd: $STATE_DIRECTORY/modelrouter.db
          retention_days: 30
        auth:
          admin_key: ${MODELROUTER_ADMIN_KEY}     # optional bootstrap key
          secret: ${MODELROUTER_SECRET}           # signs sessions, encrypts vendor keys
          signup: open                            # open | closed
          smtp_url: ${MODELROUTER_SMTP_URL}       # unset: verification links go to the log
        providers:
          - id: nvidia
            type: openai                # openai | anthropic | simulated
            base_url: https://integrate.api.nvidia.com/v1
            api_key: ${NVIDIA_API_KEY}
            rpm: 40                     # provider rate limit shared by traffic and probes
                                        # (0 = none: the default, except presets that carry their provider's limit)
            discover: true              # read GET {base_url}/models
            models:                     # optional: add to / override what discovery finds
              - id: meta/llama-3.1-8b-instruct
                upstream_id: meta/llama-3.1-8b-instruct   # the provider's own name (default: id)
                capabilities: [chat, code]
                input_cost_per_mtok: 0.0
                output_cost_per_mtok: 0.0
        probes:
          interval: 5m                  # 0 disables the schedule
          workers: 4
          delay: 250ms                  # between probe starts, per worker
          timeout: 30s
          degraded_after: 5s            # ok but slower than this → degraded
          failure_threshold: 2          # consecutive failed probes before a deployment is down
          success_threshold: 1          # consecutive good probes before it is up again
        routing:
          strategy: balanced            # cost | latency | capability | balanced
          max_fallbacks: 2
          first_token_timeout: 30s      # upstream call: until the first token
          idle_timeout: 30s             #   between two chunks
          request_timeout: 300s         #   in total
        aliases:
          fast-chat: [groq/llama-3.1-8b-instant, meta/llama-3.1-8b-instruct]
        """
}
