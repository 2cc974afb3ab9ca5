import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A one-shot signal from a test to a script: the script blocks in ``ScriptedConnection/wait(for:timeout:)``
/// until the test calls ``open()`` (or the server stops), so a script can hold back its next step until the test
/// has observed something.
public final class ScriptGate: Sendable {
    private let readFD: Int32
    private let writeFD: Int32
    private let opened = Atomic<Bool>(false)

    /// A closed gate.
    public init() {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0, "pipe failed: errno \(errno)")
        readFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    /// Lets every waiting and future waiter through. Idempotent.
    public func open() {
        guard !opened.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    /// Whether ``open()`` was called.
    public var isOpen: Bool { opened.load(ordering: .acquiring) }

    fileprivate var descriptor: Int32 { readFD }
}

extension ScriptedConnection {
    /// Blocks until `gate` opens (true), or `timeout` passes or the server stops (false).
    public func wait(for gate: ScriptGate, timeout: Duration = .seconds(5)) -> Bool {
        let milliseconds = timeout.pollMilliseconds
        var fds = [
            pollfd(fd: gate.descriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: stopDescriptor, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            let ready = poll(&fds, 2, milliseconds)
            if ready < 0 && errno == EINTR { continue }
            return ready > 0 && fds[0].revents != 0 && fds[1].revents == 0
        }
    }
}
