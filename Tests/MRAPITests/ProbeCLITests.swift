import Foundation
import Logging
import MRStore
import MRTestSupport
import Testing

/// `modelrouter probe` and `report` as subprocesses, and a server killed with SIGKILL right after a run.
@Suite struct ProbeCLITests {
    @Test func probeExitCodeTableJSONAndReport() async throws {
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let db = directory + "/probe.db"
        let healthy = try await CLITests.run(["probe", "--demo", "--db", db, "--model", "demo/fast-chat", "--json"])
        #expect(healthy.status == 0, "\(healthy.stderr)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(healthy.stdout.utf8)) as? [String: Any], "\(healthy.stdout)")
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(results.count == 1 && results.first?["model"] as? String == "demo/fast-chat")
        #expect(["ok", "degraded"].contains(results.first?["status"] as? String))
        // Not a terminal: plain progress lines on stderr.
        #expect(healthy.stderr.contains("[1/1] demo/fast-chat"))

        let down = try await CLITests.run(["probe", "--demo", "--db", db, "--model", "demo/always-down"])
        #expect(down.status == 1)
        #expect(down.stdout.contains("MODEL") && down.stdout.contains("demo/always-down"))

        let badFlag = try await CLITests.run(["probe", "--demo", "--db", db, "--workers", "0"])
        #expect(badFlag.status != 0 && badFlag.stderr.contains("--workers"))

        let report = try await CLITests.run(["report", "--db", db])
        #expect(report.status == 0)
        #expect(report.stdout.contains("demo/always-down") && report.stdout.contains("(manual)"))
        let first = try await CLITests.run(["report", "1", "--json", "--db", db])
        #expect(first.stdout.contains("\"demo/fast-chat\""))
        #expect(try await CLITests.run(["report", "99", "--db", db]).status != 0)
    }

    @Test func committedResultsSurviveKill9() async throws {
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let db = directory + "/crash.db"
        let config = directory + "/config.yaml"
        try "auth:\n  admin_key: \(TestApplication.adminKey)\nprobes:\n  interval: 0\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        let server = try await ServerProcess.start([
            "serve", "--demo", "--config", config, "--db", db, "--listen", "127.0.0.1:0",
        ])
        let response = try await httpRequest(
            port: server.port, "GET", "/api/probe/stream?publisher=demo&workers=8&delay=0&timeout=3s",
            headers: [("X-API-Key", TestApplication.adminKey)])
        #expect(response.status == 200)
        let text = response.text
        let runID = try #require(
            text.range(of: "\"run_id\":").map { Int(text[$0.upperBound...].prefix { $0.isNumber }) } ?? nil)
        let resultCount = text.components(separatedBy: "event: result").count - 1
        #expect(resultCount >= 13)
        server.kill9()

        let report = try await CLITests.run(["report", String(runID), "--json", "--db", db])
        #expect(report.status == 0, "\(report.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        #expect((object["results"] as? [[String: Any]])?.count == resultCount)
        #expect(object["outcome"] as? String == "finished")

        let logger = quietStoreLogger()
        let store = try Store(path: db, logger: logger)
        #expect(try await store.integrityCheck() == ["ok"])
        store.close()
    }
}

/// `modelrouter serve` as a subprocess, its port read from the first line it prints.
final class ServerProcess: Sendable {
    let child: ChildProcess
    let port: UInt16

    /// Starts it on a thread of its own: the blocking read of its first line must not hold a cooperative
    /// thread.
    static func start(_ arguments: [String], environment: [String: String] = [:]) async throws -> ServerProcess {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue(label: "server-process").async {
                continuation.resume(with: Result { try ServerProcess(arguments, environment: environment) })
            }
        }
    }

    private init(_ arguments: [String], environment: [String: String]) throws {
        let child = try ChildProcess(
            CLITests.binary, arguments + ["--log-level", "warning"],
            environment: environment.merging(["PATH": "/usr/bin:/bin"]) { a, _ in a }, captureStderr: false)
        self.child = child
        // Bounded: a server that never prints is killed, which ends the read.
        let watchdog = DispatchWorkItem { if child.isRunning { child.send(SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 30, execute: watchdog)
        let line = ChildProcess.readLine(child.stdout)
        watchdog.cancel()
        guard
            let port = line.split(separator: ":").last.flatMap({
                UInt16($0.trimmingCharacters(in: .whitespacesAndNewlines))
            })
        else { throw ServeFailure(output: line) }
        self.port = port
    }

    /// SIGKILL, then wait until it is gone.
    func kill9() {
        child.send(SIGKILL)
        child.wait()
    }

    deinit {
        if child.isRunning {
            child.send(SIGKILL)
            child.wait()
        }
    }
}

func quietStoreLogger() -> Logging.Logger {
    var logger = Logging.Logger(label: "test")
    logger.logLevel = .critical
    return logger
}

struct ServeFailure: Error, CustomStringConvertible {
    let output: String
    var description: String { "serve printed no URL: \(output)" }
}
