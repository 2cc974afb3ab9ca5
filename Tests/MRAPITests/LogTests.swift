import Foundation
import Logging
import MRApp
import MRTestSupport
import Synchronization
import Testing

/// JSON logs (`server.log_format: json`, `--log-format json`) and the rule that no secret is ever logged.
@Suite struct LogTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
    }

    @Test func jsonHandlerWritesOneObjectPerLine() throws {
        let captured = Lines()
        var logger = Logger(label: "modelrouter.test") { label in
            JSONLogHandler(label: label, level: .debug) { bytes in
                captured.lines.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) }
            }
        }
        logger[metadataKey: "component"] = "probes"
        logger.info("GET /healthz 200", metadata: ["request_id": "abc-1", "duration_ms": "3"])
        logger.trace("not at debug level")
        logger.warning("quote \" and\nnewline", metadata: ["nested": ["a": "1"], "list": ["x", "y"]])

        let lines = captured.all
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.hasSuffix("\n") && $0.dropLast().firstIndex(of: "\n") == nil })
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["level"] as? String == "info")
        #expect(first["label"] as? String == "modelrouter.test")
        #expect(first["message"] as? String == "GET /healthz 200")
        #expect(first["request_id"] as? String == "abc-1")
        let metadata = try #require(first["metadata"] as? [String: Any])
        #expect(metadata["duration_ms"] as? String == "3")
        #expect(metadata["component"] as? String == "probes")
        let time = try #require(first["time"] as? String)
        #expect(time.count == 24 && time.hasSuffix("Z") && time.dropFirst(10).first == "T")
        let parsed = try Date(time, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true))
        #expect(abs(parsed.timeIntervalSinceNow) < 3600)

        let second = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        #expect(second["message"] as? String == "quote \" and\nnewline")
        let secondMetadata = try #require(second["metadata"] as? [String: Any])
        #expect((secondMetadata["nested"] as? [String: String]) == ["a": "1"])
        #expect((secondMetadata["list"] as? [String]) == ["x", "y"])
    }

    /// `serve --log-format json --log-level trace` with secrets in the file, the environment and systemd
    /// credentials, called with right and wrong keys: every line is JSON and no secret appears anywhere.
    @Test func serveNeverLogsASecret() async throws {
        let directory = try TemporaryDirectory()
        let credentials = directory.path + "/credentials"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try "CRED-SECRET-7\n".write(toFile: credentials + "/NVIDIA_API_KEY", atomically: true, encoding: .utf8)
        let closed = try ScriptedTCPServer.closedPort()
        let config = try directory.write(
            "modelrouter.yaml",
            """
            server:
              listen: 127.0.0.1:0
              metrics_token: METRICS-SECRET-1
              log_format: json
            auth:
              admin_key: ADMIN-SECRET-2
              secret: ${SERVER_SECRET}
            providers:
              - id: acme
                type: openai
                base_url: http://127.0.0.1:\(closed)/v1
                api_key: VENDOR-SECRET-4
              - id: nvidia
                base_url: http://127.0.0.1:\(closed)/nv
            notifications:
              webhooks:
                - url: http://127.0.0.1:\(closed)/hooks/WEBHOOK-SECRET-5
                  headers: {Authorization: Bearer HOOK-SECRET-6}
            """)
        let secrets = [
            "METRICS-SECRET-1", "ADMIN-SECRET-2", "SERVER-SECRET-3", "VENDOR-SECRET-4", "WEBHOOK-SECRET-5",
            "HOOK-SECRET-6", "CRED-SECRET-7", "WRONG-SECRET-8",
        ]

        let child = try ChildProcess(
            CLITests.binary,
            ["serve", "--config", config, "--db", directory.file("serve.db"), "--log-level", "trace"],
            environment: [
                "PATH": "/usr/bin:/bin", "SERVER_SECRET": "SERVER-SECRET-3", "CREDENTIALS_DIRECTORY": credentials,
            ])
        let watchdog = Task {
            try await Task.sleep(for: .seconds(30))
            if child.isRunning { child.send(SIGKILL) }
        }
        defer { watchdog.cancel() }
        // Standard error is drained from the start so a chatty log can never fill the pipe and stall the server.
        let log = Task.detached {
            await withCheckedContinuation { continuation in
                DispatchQueue(label: "log-test-stderr").async {
                    continuation.resume(returning: ChildProcess.readAll(child.stderr))
                }
            }
        }
        let line = await withCheckedContinuation { continuation in
            DispatchQueue(label: "log-test-stdout").async {
                continuation.resume(returning: ChildProcess.readLine(child.stdout))
            }
        }
        let port = try #require(
            line.split(separator: ":").last.flatMap { UInt16($0.trimmingCharacters(in: .whitespacesAndNewlines)) })

        #expect(try await httpRequest(port: port, "GET", "/healthz").status == 200)
        let scrape = try await httpRequest(
            port: port, "GET", "/metrics", headers: [("Authorization", "Bearer METRICS-SECRET-1")])
        #expect(scrape.status == 200)
        #expect(
            try await httpRequest(port: port, "GET", "/metrics", headers: [("Authorization", "Bearer WRONG-SECRET-8")])
                .status == 401)
        #expect(
            try await httpRequest(port: port, "GET", "/api/models", headers: [("X-API-Key", "ADMIN-SECRET-2")]).status
                == 200)
        #expect(
            try await httpRequest(port: port, "GET", "/api/models", headers: [("X-API-Key", "ar_WRONG-SECRET-8")])
                .status
                == 401)
        // Discovery of both providers has failed (a refused port) by the time /api/providers says so.
        let failedBoth = await eventually(timeout: .seconds(15)) {
            let providers = try? await httpRequest(
                port: port, "GET", "/api/providers", headers: [("X-API-Key", "ADMIN-SECRET-2")])
            return providers.map { $0.text.components(separatedBy: "last_error\":\"").count >= 3 } ?? false
        }
        #expect(failedBoth)
        child.send(SIGTERM)
        #expect(await eventually(timeout: .seconds(15)) { !child.isRunning })
        let text = await log.value

        let lines = text.split(separator: "\n")
        #expect(lines.count >= 5, "\(text)")
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["time"] is String && object?["message"] is String, "not a JSON log line: \(line)")
        }
        #expect(text.contains("/api/models"))  // the access log is there, at trace level
        for secret in secrets {
            #expect(!text.contains(secret), "\(secret) was logged")
        }
    }
}
