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
        let child = try ChildProcess(
            binary, arguments, environment: environment.merging(["PATH": "/usr/bin:/bin"]) { a, _ in a })
        // stderr is drained on its own thread so a chatty child can never fill one pipe while we read the other.
        let stderrText = LockedText()
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue(label: "cli-test-stderr").async {
            stderrText.set(ChildProcess.readAll(child.stderr))
            drained.signal()
        }
        let stdout = ChildProcess.readAll(child.stdout)
        drained.wait()
        child.wait()
        return Result(status: child.exitCode ?? -1, stdout: stdout, stderr: stderrText.get())
    }

    @Test func childProcessesInheritOnlyStandardDescriptors() async throws {
        // An open socket of ours must not live on in a child: a test waiting for it to close would hang.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        let child = try ChildProcess("/bin/ls", ["/proc/self/fd"], environment: ["PATH": "/usr/bin:/bin"])
        let listed = ChildProcess.readAll(child.stdout).split(separator: "\n").compactMap { Int($0) }
        child.wait()
        #expect(child.exitCode == 0)
        // 0-2, plus the directory `ls` itself has open.
        #expect(listed.allSatisfy { $0 <= 3 }, "\(listed)")
        #expect(listener > 3)
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
        let server = try await ServerProcess.start([
            "serve", "--listen", "127.0.0.1:0", "--db", directory + "/serve.db",
        ])
        let port = server.port
        #expect(try await httpRequest(port: port, "GET", "/readyz").status == 200)
        // A stream of work in flight while the signal arrives still ends cleanly.
        let inFlight = Task { try await httpRequest(port: port, "GET", "/readyz") }
        server.child.send(SIGTERM)
        _ = try? await inFlight.value
        let exited = await eventually(timeout: .seconds(15)) { !server.child.isRunning }
        #expect(exited)
        #expect(server.child.exitCode == 0)
        // The database was closed cleanly: the WAL is checkpointed away.
        let wal = directory + "/serve.db-wal"
        let walSize = (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
        #expect(walSize == 0)
    }
}

/// Text set by one thread and read by another.
final class LockedText: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var text = ""
    func set(_ value: String) { lock.withLock { text = value } }
    func get() -> String { lock.withLock { text } }
}
