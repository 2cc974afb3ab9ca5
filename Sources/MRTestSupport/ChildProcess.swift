#if canImport(Glibc)
    import Glibc
#endif

/// A child process for tests, started with `posix_spawn` instead of Foundation's `Process`.
///
/// Why: `Process.run()` on Linux lists `/proc/self/fd` and copies each whole `dirent`, which can read past
/// the end of glibc's directory buffer and crash the test process (seen about once in fifteen parallel
/// suite runs). Here the child starts under `/bin/bash`, which closes every descriptor above 2 it inherited
/// (our sockets must not stay open in the child) and then `exec`s the program.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `pid` and the descriptors are set once; `status` is only touched under `lock`.
    public let pid: pid_t
    /// The read ends of the child's stdout and stderr (nil when not captured).
    public let stdout: Int32?
    public let stderr: Int32?
    private var status: Int32?
    private let lock = NSLockLike()

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts `executable` with `arguments`; stdin is `stdinPath`; stdout and stderr are pipes when captured,
    /// else /dev/null.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String],
        captureStdout: Bool = true, captureStderr: Bool = true, stdinPath: String = "/dev/null"
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0)
        /// (read end, write end); the bash wrapper closes every inherited descriptor above 2, these included.
        func pipeTo(_ target: Int32, capture: Bool) throws -> (read: Int32, write: Int32)? {
            guard capture else {
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
                return nil
            }
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw Failure(description: "pipe failed: \(errno)") }
            posix_spawn_file_actions_adddup2(&actions, ends[1], target)
            return (ends[0], ends[1])
        }
        let out = try pipeTo(1, capture: captureStdout)
        let err = try pipeTo(2, capture: captureStderr)
        // No redirection on the loop: bash would park the original stderr on a high descriptor, which the
        // loop itself closes.
        let script =
            #"for f in /proc/self/fd/*; do n=${f##*/}; if [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi; done; exec "$@""#
        let argv = ["/bin/bash", "-c", script, "bash", executable] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        var child: pid_t = 0
        let result = withCStrings(argv) { argvPointers in
            withCStrings(envp) { envPointers in
                posix_spawn(&child, "/bin/bash", &actions, nil, argvPointers, envPointers)
            }
        }
        // The parent keeps only the read ends.
        for ends in [out, err].compactMap({ $0 }) { close(ends.write) }
        guard result == 0 else {
            for ends in [out, err].compactMap({ $0 }) { close(ends.read) }
            throw Failure(description: "posix_spawn failed: \(result)")
        }
        pid = child
        stdout = out?.read
        stderr = err?.read
    }

    deinit {
        if let stdout { close(stdout) }
        if let stderr { close(stderr) }
    }

    /// Everything the child writes to `fd` until it closes it (blocking: call off the cooperative pool).
    public static func readAll(_ fd: Int32?) -> String {
        guard let fd else { return "" }
        var collected: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { break }
            collected += buffer[..<got]
        }
        return String(decoding: collected, as: UTF8.self)
    }

    /// Reads `fd` until a newline arrives or it closes (blocking).
    public static func readLine(_ fd: Int32?) -> String {
        guard let fd else { return "" }
        var collected: [UInt8] = []
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1 {
            collected.append(byte)
            if byte == UInt8(ascii: "\n") { break }
        }
        return String(decoding: collected, as: UTF8.self)
    }

    /// Sends `signal` to the child.
    public func send(_ signal: Int32) { _ = kill(pid, signal) }

    /// Waits for the child to end (blocking). The wait status, decoded by `exitCode` / `signal`.
    @discardableResult
    public func wait() -> Int32 {
        if let status = lock.withLock({ self.status }) { return status }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        lock.withLock { self.status = raw }
        return raw
    }

    /// Whether the child still runs (reaps it when it ended).
    public var isRunning: Bool {
        if lock.withLock({ self.status }) != nil { return false }
        var raw: Int32 = 0
        let reaped = waitpid(pid, &raw, WNOHANG)
        guard reaped == pid else { return reaped == 0 }
        lock.withLock { self.status = raw }
        return false
    }

    /// The exit code when the child exited normally, else nil.
    public var exitCode: Int32? {
        guard let raw = lock.withLock({ self.status }) else { return nil }
        return raw & 0x7f == 0 ? (raw >> 8) & 0xff : nil
    }

    /// The signal that ended the child, else nil.
    public var terminatingSignal: Int32? {
        guard let raw = lock.withLock({ self.status }) else { return nil }
        let signal = raw & 0x7f
        return signal != 0 && signal != 0x7f ? signal : nil
    }
}

/// A pthread mutex with a closure API (the status is shared by waiters and pollers).
private final class NSLockLike: @unchecked Sendable {
    // @unchecked: the mutex serialises every access.
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }
}

/// Calls `body` with a NULL-terminated C array of `strings`.
private func withCStrings<T>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> T) -> T {
    var pointers = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return body(pointers)
}
