import Foundation
import MRConfig
import MRTestSupport
import Testing

/// `notifications`, `server.log_format`, `server.metrics_token` and systemd credentials.
@Suite struct OperationsConfigTests {
    @Test func notificationsSectionParses() throws {
        let config = try parse(
            """
            server:
              log_format: json
              metrics_token: ${SCRAPE}
            notifications:
              queue_size: 50
              retries: 5
              webhooks:
                - url: ${SLACK_URL}
                  format: slack
                  events: [down]
                - url: https://hooks.example.com/modelrouter
                  timeout: 3s
                  headers:
                    Authorization: Bearer ${HOOK_TOKEN}
            """,
            environment: [
                "SLACK_URL": "https://hooks.slack.com/services/T/B/secret", "HOOK_TOKEN": "t0k", "SCRAPE": "s",
            ])
        #expect(config.server.logFormat == .json)
        #expect(config.server.metricsToken == "s")
        #expect(config.notifications.queueSize == 50)
        #expect(config.notifications.retries == 5)
        let webhooks = config.notifications.webhooks
        #expect(webhooks.count == 2)
        #expect(webhooks[0].url == "https://hooks.slack.com/services/T/B/secret")
        #expect(webhooks[0].format == .slack)
        #expect(webhooks[0].events == [.down])
        #expect(webhooks[0].wants("down") && !webhooks[0].wants("up"))
        #expect(webhooks[1].format == .json)
        #expect(webhooks[1].events == nil && webhooks[1].wants("up"))
        #expect(webhooks[1].timeout == .seconds(3))
        #expect(webhooks[1].headers.map(\.0) == ["Authorization"])
        #expect(webhooks[1].headers.map(\.1) == ["Bearer t0k"])
    }

    @Test func defaultsHaveNoWebhookAndTextLogs() throws {
        let config = try parse("")
        #expect(config.notifications == NotificationsConfig())
        #expect(config.notifications.webhooks.isEmpty)
        #expect(config.notifications.queueSize == 1000 && config.notifications.retries == 3)
        #expect(config.server.logFormat == .text)
    }

    @Test(
        arguments: [
            (
                "notifications:\n  webhooks:\n    - url: https://x.example\n      formt: slack\n",
                ConfigError.Kind.unknownKey,
                "notifications.webhooks[0].formt", 4
            ),
            ("notifications:\n  webhooks:\n    - format: slack\n", .missingKey, "notifications.webhooks[0]", 3),
            (
                "notifications:\n  webhooks:\n    - url: ftp://x.example/secret\n", .invalidValue,
                "notifications.webhooks[0].url", 3
            ),
            (
                "notifications:\n  webhooks:\n    - url: \"https://\"\n", .invalidValue,
                "notifications.webhooks[0].url", 3
            ),
            ("notifications:\n  webhooks:\n    - url: ${UNSET}\n", .invalidValue, "notifications.webhooks[0].url", 3),
            (
                "notifications:\n  webhooks:\n    - url: https://x.example\n      format: teams\n", .invalidValue,
                "notifications.webhooks[0].format", 4
            ),
            (
                "notifications:\n  webhooks:\n    - url: https://x.example\n      events: []\n", .invalidValue,
                "notifications.webhooks[0].events", 4
            ),
            (
                "notifications:\n  webhooks:\n    - url: https://x.example\n      events: [sideways]\n", .invalidValue,
                "notifications.webhooks[0].events[0]", 4
            ),
            (
                "notifications:\n  webhooks:\n    - url: https://x.example\n      timeout: 0s\n", .outOfRange,
                "notifications.webhooks[0].timeout", 4
            ),
            (
                "notifications:\n  webhooks:\n    - url: https://x.example\n      headers:\n        \"Bad Name\": x\n",
                .invalidValue, "notifications.webhooks[0].headers.Bad Name", 5
            ),
            ("notifications:\n  queue_size: 0\n", .outOfRange, "notifications.queue_size", 2),
            ("notifications:\n  retries: 99\n", .outOfRange, "notifications.retries", 2),
            ("notifications:\n  webhooks: {url: x}\n", .typeMismatch, "notifications.webhooks", 2),
            ("server:\n  log_format: xml\n", .invalidValue, "server.log_format", 2),
        ] as [(String, ConfigError.Kind, String, Int)])
    func invalidValuesNameTheKeyAndLine(_ yaml: String, _ kind: ConfigError.Kind, _ keyPath: String, _ line: Int) {
        guard let error = parseError(yaml) else { return }
        #expect(error.kind == kind, "\(error)")
        #expect(error.keyPath == keyPath, "\(error)")
        #expect(error.line == line, "\(error)")
        #expect(error.description.hasPrefix("test.yaml:\(line):"))
    }

    /// A webhook URL is often a secret: neither errors nor printed configurations repeat its path.
    @Test func webhookSecretsStayOutOfMessages() throws {
        let bad = parseError("notifications:\n  webhooks:\n    - url: ftp://hooks.example/SECRET-PATH\n")
        #expect(bad.map { !$0.description.contains("SECRET-PATH") } == true)
        let config = try parse(
            """
            notifications:
              webhooks:
                - url: https://user:pw@hooks.slack.com/services/SECRET-PATH?token=SECRET-QUERY
                  headers: {Authorization: Bearer SECRET-HEADER}
            """)
        let shown = "\(config.notifications.webhooks) \(String(reflecting: config.notifications))"
        for secret in ["SECRET-PATH", "SECRET-QUERY", "SECRET-HEADER", "pw@"] {
            #expect(!shown.contains(secret), "\(shown)")
        }
        #expect(config.notifications.webhooks[0].redactedURL == "https://hooks.slack.com/…")
    }

    @Test func credentialsDirectoryFillsUnsetVariables() throws {
        let directory = try TemporaryDirectory()
        _ = try directory.write("MODELROUTER_ADMIN_KEY", "from-credential\n")
        _ = try directory.write("NVIDIA_API_KEY", "nvapi-credential\r\n")
        _ = try directory.write("OPENAI_API_KEY", "ignored: the environment sets it")
        _ = try directory.write("not-a-variable", "x")
        _ = try directory.write("HUGE", String(repeating: "x", count: CredentialsEnvironment.maxFileBytes + 1))
        let environment = CredentialsEnvironment.overlay([
            "CREDENTIALS_DIRECTORY": directory.path, "OPENAI_API_KEY": "sk-env", "NVIDIA_API_KEY": "",
        ])
        #expect(environment["MODELROUTER_ADMIN_KEY"] == "from-credential")
        #expect(environment["NVIDIA_API_KEY"] == "nvapi-credential")
        #expect(environment["OPENAI_API_KEY"] == "sk-env")
        #expect(environment["not-a-variable"] == nil)
        #expect(environment["HUGE"] == nil)

        // Through the loader: the admin key default and the NVIDIA preset pick the credentials up.
        let config = try ConfigLoader.load(path: nil, environment: environment)
        #expect(config.auth.adminKey == "from-credential")
        #expect(config.provider(id: "nvidia")?.apiKey == "nvapi-credential")
    }

    @Test func noCredentialsDirectoryChangesNothing() {
        let environment = ["A": "1"]
        #expect(CredentialsEnvironment.overlay(environment) == environment)
        #expect(CredentialsEnvironment.overlay(["CREDENTIALS_DIRECTORY": "/nonexistent/dir"]).count == 1)
    }
}
