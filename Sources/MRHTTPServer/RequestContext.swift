import Synchronization

/// Per-request state kept in libmicrohttpd's `con_cls` from the first access-handler call to the
/// request-completed callback, which releases it.
final class RequestContext: @unchecked Sendable {
    // @unchecked: the head fields and `body` are touched only by the MHD thread that owns the connection
    // (MHD never runs one connection on two threads); `deferred` crosses threads and sits in a Mutex.
    enum Phase {
        case reading
        case tooLarge
        case waiting
        case answered
    }

    let request: HTTPRequest
    var body: [UInt8] = []
    /// Bytes of an oversized body read and dropped.
    var discarded = 0
    var phase: Phase = .reading
    var status = 0
    var bytesSent = 0
    var stream: ResponseStream?
    /// The handler runs on the server's event loop, and so does the producer of its stream.
    var runsOnLoop = false
    /// The connection while the request runs; cleared when libmicrohttpd reports it complete.
    var connection: OpaquePointer?
    /// A deferred handler's answer: set once (by the handler's task, or by shutdown if that gives up
    /// waiting), then taken by the access handler when the connection is resumed.
    private let deferred = Mutex<DeferredSlot>(.pending)

    private enum DeferredSlot {
        case pending
        case ready(HTTPResponse)
        case taken
    }

    init(request: HTTPRequest) {
        self.request = request
    }

    /// Stores the deferred answer; true when this call won and the caller must resume the connection.
    func completeDeferred(with response: HTTPResponse) -> Bool {
        deferred.withLock { slot in
            guard case .pending = slot else { return false }
            slot = .ready(response)
            return true
        }
    }

    /// Takes the deferred answer once it is there.
    func takeDeferred() -> HTTPResponse? {
        deferred.withLock { slot in
            guard case .ready(let response) = slot else { return nil }
            slot = .taken
            return response
        }
    }
}

/// A libmicrohttpd pointer carried across tasks.
struct CHandle: @unchecked Sendable {
    // @unchecked: libmicrohttpd's suspend/resume and stop calls are thread-safe; the owner guarantees the
    // pointee outlives every use (connections stay alive while suspended; the daemon until stop).
    let pointer: OpaquePointer
}
