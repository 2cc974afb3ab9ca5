import Foundation
import MRApp
import MRTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The systemd protocol as `serve` speaks it: READY=1, WATCHDOG=1 every WatchdogSec/2, STOPPING=1.
@Suite struct SystemdTests {
    @Test func watchdogIntervalIsHalfThePeriodForThisProcessOnly() {
        #expect(SystemdWatchdog.pingInterval(environment: ["WATCHDOG_USEC": "30000000"], pid: 7) == .seconds(15))
        #expect(
            SystemdWatchdog.pingInterval(environment: ["WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "7"], pid: 7)
                == .milliseconds(500))
        #expect(
            SystemdWatchdog.pingInterval(environment: ["WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "8"], pid: 7) == nil)
        #expect(SystemdWatchdog.pingInterval(environment: ["WATCHDOG_USEC": "0"], pid: 7) == nil)
        #expect(SystemdWatchdog.pingInterval(environment: ["WATCHDOG_USEC": "soon"], pid: 7) == nil)
        #expect(SystemdWatchdog.pingInterval(environment: [:], pid: 7) == nil)
    }

    struct BindFailure: Error {
        let path: String
    }

    /// A datagram socket standing in for systemd's `$NOTIFY_SOCKET`.
    final class NotifySocket: @unchecked Sendable {
        // @unchecked: the descriptor is only read from one queue after init and closed in deinit.
        let path: String
        let fd: Int32

        init(directory: String) throws {
            path = directory + "/notify.sock"
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard fd >= 0, bound == 0 else { throw BindFailure(path: path) }
            var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit { close(fd) }

        /// Messages received until `done` says so or `timeout` passes (read off the cooperative pool).
        func collect(timeout: Duration, until done: @escaping @Sendable ([String]) -> Bool) async -> [String] {
            await withCheckedContinuation { continuation in
                DispatchQueue(label: "notify-socket").async {
                    var messages: [String] = []
                    let deadline = ContinuousClock.now + timeout
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    while ContinuousClock.now < deadline, !done(messages) {
                        let count = recv(self.fd, &buffer, buffer.count, 0)
                        if count > 0 { messages.append(String(decoding: buffer[..<count], as: UTF8.self)) }
                    }
                    continuation.resume(returning: messages)
                }
            }
        }
    }

    @Test func serveSendsReadyWatchdogAndStopping() async throws {
        let directory = try TemporaryDirectory()
        let notify = try NotifySocket(directory: directory.path)
        let child = try ChildProcess(
            CLITests.binary,
            ["serve", "--listen", "127.0.0.1:0", "--db", directory.file("serve.db"), "--log-level", "warning"],
            environment: ["PATH": "/usr/bin:/bin", "NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "200000"],
            captureStdout: false, captureStderr: false)
        let watchdog = Task {
            try await Task.sleep(for: .seconds(30))
            if child.isRunning { child.send(SIGKILL) }
        }
        defer { watchdog.cancel() }

        let running = await notify.collect(timeout: .seconds(20)) { messages in
            messages.filter { $0 == "WATCHDOG=1" }.count >= 3
        }
        #expect(running.first == "READY=1", "\(running)")
        #expect(running.filter { $0 == "WATCHDOG=1" }.count >= 3, "\(running)")
        child.send(SIGTERM)
        let stopping = await notify.collect(timeout: .seconds(15)) { $0.contains("STOPPING=1") }
        #expect(stopping.contains("STOPPING=1"), "\(stopping)")
        #expect(await eventually(timeout: .seconds(15)) { !child.isRunning })
        #expect(child.exitCode == 0)
    }
}
