import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A socket listening on 127.0.0.1 that never accepts, its backlog already full: a new connection attempt gets
/// no answer at all (the kernel drops the SYN), which is how a test provokes a connect timeout without sending
/// traffic off the machine.
public final class UnresponsiveListener: Sendable {
    /// The port nobody answers on.
    public let port: Int
    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    private let descriptors: Mutex<[Int32]>

    /// Listens with a backlog of zero and fills it with one connection of its own.
    public init() throws(ScriptedTCPServerError) {
        let (fd, port) = try POSIXSocket.bindLoopback()
        guard listen(fd, 0) == 0 else {
            let error = errno
            closeDescriptor(fd)
            throw .system("listen", error)
        }
        let filler = socket(AF_INET, POSIXSocket.streamType, 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(filler, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard filler >= 0, connected == 0 else {
            let error = errno
            closeDescriptor(fd)
            if filler >= 0 { closeDescriptor(filler) }
            throw .system("connect", error)
        }
        self.port = port
        self.descriptors = Mutex([fd, filler])
    }

    /// Closes the listener and its filler connection. Idempotent.
    public func close() {
        let fds = descriptors.withLock { fds in
            defer { fds.removeAll() }
            return fds
        }
        for fd in fds { closeDescriptor(fd) }
    }

    deinit { close() }
}

/// `close(2)`, callable where a method named `close` shadows it.
private func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}
