#if canImport(Glibc)
    import Glibc
#endif

/// systemd's watchdog (`WatchdogSec=` in the unit): `WATCHDOG=1` to `$NOTIFY_SOCKET` every half period, so
/// systemd restarts a process whose tasks no longer run (a wedged cooperative pool stops the pings too).
///
/// systemd passes the period as `$WATCHDOG_USEC` and, when set, the process meant by `$WATCHDOG_PID`; outside
/// systemd (or when the PID is another process's) nothing starts.
package final class SystemdWatchdog: Sendable {
    private let task: Task<Void, Never>
    /// The time between two pings (half the watchdog period).
    package let interval: Duration

    private init(interval: Duration, socketPath: String?) {
        self.interval = interval
        task = Task {
            while !Task.isCancelled {
                SystemdNotifier.notify("WATCHDOG=1", socketPath: socketPath)
                do { try await Task.sleep(for: interval) } catch { return }
            }
        }
    }

    /// Starts pinging when `environment` asks for a watchdog for this process; nil otherwise.
    package static func start(environment: [String: String], socketPath: String? = nil) -> SystemdWatchdog? {
        guard let interval = pingInterval(environment: environment, pid: Int(getpid())) else { return nil }
        return SystemdWatchdog(interval: interval, socketPath: socketPath)
    }

    /// Half of `$WATCHDOG_USEC` when it is a positive number and `$WATCHDOG_PID` is unset or `pid`.
    package static func pingInterval(environment: [String: String], pid: Int) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = Int64(text), microseconds > 0 else {
            return nil
        }
        if let owner = environment["WATCHDOG_PID"], !owner.isEmpty, Int(owner) != pid { return nil }
        return .microseconds(max(1, microseconds / 2))
    }

    /// Stops the pings (at shutdown, after `STOPPING=1`).
    package func stop() {
        task.cancel()
    }
}
