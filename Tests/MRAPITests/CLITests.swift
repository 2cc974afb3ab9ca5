import Foundation
import MRTestSupport
import Testing

/// The `modelrouter` executable as a subprocess: config errors, keys, and serve's graceful SIGTERM.
@Suite struct CLITests {
    /// The binary built beside the test bundle (`swift build --build-tests` builds it).
    static var binary: String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("modelrouter").path
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the binary to completion on a thread of its own: waiting on a pipe must not hold one of the
    /// two cooperative threads the rest of the (parallel) suite needs.
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue(label: "cli-test").async {
                continuation.resume(with: Swift.Result { try runBlocking(arguments, environment: environment) })
            }
        }
    }

    private static func runBlocking(_ arguments: [String], environment: [String: String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = environment.merging(["PATH": "/usr/bin:/bin"]) { a, _ in a }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test func checkConfigReportsTheLine() async throws {
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let path = directory + "/bad.yaml"
        try "server:\n  listen: 127.0.0.1:8080\nprobes:\n  workers: 0\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        let result = try await Self.run(["check-config", "--config", path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("bad.yaml:4"), "\(result.stderr)")
        #expect(result.stderr.contains("probes.workers"))

        let good = directory + "/good.yaml"
        try "probes:\n  workers: 8\n".write(toFile: good, atomically: true, encoding: .utf8)
        let ok = try await Self.run(["check-config", "--config", good])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("configuration OK"))
    }

    @Test func keysCreateListRevoke() async throws {
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let db = directory + "/keys.db"
        let created = try await Self.run(["keys", "create", "ci-bot", "--db", db])
        #expect(created.status == 0)
        let key = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(key.hasPrefix("ar_") && key.count == 43)
        let listed = try await Self.run(["keys", "list", "--db", db])
        #expect(listed.stdout.contains("ci-bot"))
        #expect(!listed.stdout.contains(key))
        let id = try #require(listed.stdout.split(separator: "\n").dropFirst().first?.split(separator: " ").first)
        #expect(try await Self.run(["keys", "revoke", String(id), "--db", db]).status == 0)
        #expect(try await Self.run(["keys", "revoke", String(id), "--db", db]).status != 0)
        #expect(try await Self.run(["keys", "list", "--db", db]).stdout.contains("revoked"))
    }

    @Test func serveShutsDownGracefullyOnSIGTERM() async throws {
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = [
            "serve", "--listen", "127.0.0.1:0", "--db", directory + "/serve.db", "--log-level", "warning",
        ]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Never hang the suite: a server that does not come up is killed, which ends the read below.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(30))
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        defer { watchdog.cancel() }
        // The first line names the bound port (read on a thread of its own, like `run`).
        let line = await withCheckedContinuation { continuation in
            DispatchQueue(label: "cli-test-serve").async {
                var line = ""
                while !line.contains("\n") {
                    let data = out.fileHandleForReading.availableData
                    if data.isEmpty { break }
                    line += String(decoding: data, as: UTF8.self)
                }
                continuation.resume(returning: line)
            }
        }
        let port = try #require(
            line.split(separator: ":").last.flatMap { UInt16($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        #expect(try await httpRequest(port: port, "GET", "/readyz").status == 200)
        // A stream of work in flight while the signal arrives still ends cleanly.
        let inFlight = Task { try await httpRequest(port: port, "GET", "/readyz") }
        process.terminate()  // SIGTERM
        _ = try? await inFlight.value
        let exited = await eventually(timeout: .seconds(15)) { !process.isRunning }
        #expect(exited)
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        // The database was closed cleanly: the WAL is checkpointed away.
        let wal = directory + "/serve.db-wal"
        let walSize = (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
        #expect(walSize == 0)
    }
}
