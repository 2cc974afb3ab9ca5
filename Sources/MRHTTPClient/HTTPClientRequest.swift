/// One outbound HTTP request, as plain values.
public struct HTTPClientRequest: Sendable {
    /// Absolute `http://` or `https://` URL.
    public var url: String
    /// Request method, e.g. `GET`, `POST`, `HEAD`; sent as given.
    public var method: String
    /// Header fields in the order they are sent. A name may repeat. `Content-Type` is only sent when given here.
    public var headers: [(String, String)]
    /// The request body, sent with a `Content-Length`; `nil` sends none.
    public var body: [UInt8]?
    /// Limits for this exchange.
    public var timeouts: HTTPClientTimeouts
    /// libcurl's receive buffer for this exchange, overriding the client's `receiveBufferSize` (1 KiB to 512 KiB).
    public var receiveBufferSize: Int?

    /// A request with the given parts; every part but the URL has a default.
    public init(
        url: String, method: String = "GET", headers: [(String, String)] = [], body: [UInt8]? = nil,
        timeouts: HTTPClientTimeouts = .init()
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.timeouts = timeouts
    }
}

/// The four separate time limits of one exchange. `nil` means no limit of that kind.
///
/// - `connect`: until the TCP (and TLS) connection is up.
/// - `firstByte`: from the start of the request until the response head (status line and headers) is in.
/// - `idle`: the longest silence allowed between two received pieces of the response once it started (once its
///   first event was reported, when `firstEvent` is set); time the transfer spends paused because the consumer is
///   slow does not count.
/// - `total`: the whole exchange, body included.
/// - `firstEvent`: from the start of the request until the body's consumer reports its first meaningful piece
///   (``HTTPClientResponseBody/markFirstEvent()``): a stream's bytes may carry nothing yet (SSE comments, empty
///   deltas), so only its reader can tell. Kept by the driver's timers, so a waiting reader needs no timer task.
public struct HTTPClientTimeouts: Sendable, Hashable {
    /// Limit for establishing the connection.
    public var connect: Duration
    /// Limit from the start until the response head has arrived.
    public var firstByte: Duration?
    /// Limit on the gap between two received chunks.
    public var idle: Duration?
    /// Limit on the whole exchange.
    public var total: Duration?
    /// Limit from the start until the consumer marked the first event; it fails with `.firstByteTimeout`.
    public var firstEvent: Duration?

    /// Timeouts with a 10 s connect limit and, unless given, no other limit.
    public init(
        connect: Duration = .seconds(10), firstByte: Duration? = nil, idle: Duration? = nil, total: Duration? = nil,
        firstEvent: Duration? = nil
    ) {
        self.connect = connect
        self.firstByte = firstByte
        self.idle = idle
        self.total = total
        self.firstEvent = firstEvent
    }
}

extension Duration {
    /// Whole milliseconds, rounded up so a tiny positive limit never becomes "no limit", clamped to `Int`.
    var roundedUpMilliseconds: Int {
        let (seconds, attoseconds) = components
        if seconds < 0 { return 0 }
        if seconds >= Int64(Int.max / 1000) - 1 { return Int.max / 2 }
        let extra = (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int(seconds) * 1000 + Int(extra)
    }
}
