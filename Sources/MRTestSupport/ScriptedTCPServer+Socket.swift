#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Thin POSIX socket helpers for the scripted server; every failure becomes a `ScriptedTCPServerError`.
enum POSIXSocket {
    #if canImport(Glibc)
        static let streamType = Int32(SOCK_STREAM.rawValue)
        static let sendFlags = Int32(MSG_NOSIGNAL)
    #else
        static let streamType = SOCK_STREAM
        static let sendFlags: Int32 = 0
    #endif

    /// A TCP socket bound to 127.0.0.1 on a kernel-chosen port, and that port.
    static func bindLoopback() throws(ScriptedTCPServerError) -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, streamType, 0)
        guard fd >= 0 else { throw .system("socket", errno) }
        var yes: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        #if canImport(Darwin)
            _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &yes, socklen_t(MemoryLayout<Int32>.size))
        #endif
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            let error = errno
            close(fd)
            throw .system("bind", error)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            let error = errno
            close(fd)
            throw .system("getsockname", error)
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// Waits until `fd` is readable or `stopFD` is; returns true when it is `fd` (`timeout` in ms, -1 forever).
    static func waitReadable(_ fd: Int32, orStop stopFD: Int32, timeoutMilliseconds: Int32 = -1) -> Bool? {
        var fds = [
            pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            let ready = poll(&fds, 2, timeoutMilliseconds)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { return nil }
            if fds[1].revents != 0 { return false }
            return true
        }
    }

    /// Sends all of `bytes`; throws `.peerClosed` when the client went away.
    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws(ScriptedTCPServerError) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { buffer in
                send(fd, buffer.baseAddress! + offset, buffer.count - offset, sendFlags)
            }
            if sent < 0 {
                let error = errno
                if error == EINTR { continue }
                if error == EPIPE || error == ECONNRESET || error == ENOTCONN { throw .peerClosed }
                throw .system("send", error)
            }
            offset += sent
        }
    }

    /// One `recv`; an empty array means the peer closed (or reset) the connection.
    static func receive(_ fd: Int32, max: Int = 65536) throws(ScriptedTCPServerError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, max, 0) }
            if count < 0 {
                let error = errno
                if error == EINTR { continue }
                if error == ECONNRESET || error == ENOTCONN { return [] }
                throw .system("recv", error)
            }
            return Array(buffer[0..<count])
        }
    }

    /// Makes the next `close` send a TCP reset instead of an orderly FIN.
    static func setLingerZero(_ fd: Int32) {
        var option = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
    }
}

/// A POSIX thread running a closure; join it or detach it.
///
/// `@unchecked Sendable`: `pthread_t` is an opaque id (a pointer on Darwin), only passed to join/detach once.
struct POSIXThread: @unchecked Sendable {
    private let id: pthread_t

    static func start(_ body: @escaping @Sendable () -> Void) -> POSIXThread {
        final class Box: Sendable {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        #if canImport(Glibc)
            var thread = pthread_t()
        #else
            var thread: pthread_t? = nil
        #endif
        let result = pthread_create(
            &thread, nil,
            { context in
                #if canImport(Glibc)
                    Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().body()
                #else
                    Unmanaged<Box>.fromOpaque(context).takeRetainedValue().body()
                #endif
                return nil
            }, context)
        precondition(result == 0, "pthread_create failed: \(result)")
        #if canImport(Glibc)
            return POSIXThread(id: thread)
        #else
            return POSIXThread(id: thread!)
        #endif
    }

    func join() { pthread_join(id, nil) }
    func detach() { pthread_detach(id) }
}

extension Duration {
    /// Whole milliseconds for `poll`, rounded up and clamped to `Int32`.
    var pollMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(min(Int64(Int32.max), milliseconds))
    }
}
