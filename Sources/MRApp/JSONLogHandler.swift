import Logging
import MRWeb
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A swift-log handler writing one JSON object per line, for journald, Loki, Vector and the like
/// (`server.log_format: json` or `serve --log-format json`):
///
/// ```json
/// {"time":"2025-01-02T03:04:05.678Z","level":"info","label":"modelrouter","message":"GET /healthz 200",
///  "request_id":"5f3a-1c","metadata":{"duration_ms":"0","remote":"127.0.0.1","request_id":"5f3a-1c"}}
/// ```
///
/// `request_id` is lifted to the top level when the metadata has one, so a log query can follow a request
/// without knowing the nesting. Lines are written with one `write(2)` each under a process-wide lock, so
/// concurrent threads never interleave them.
package struct JSONLogHandler: LogHandler {
    package var logLevel: Logger.Level
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let sink: @Sendable ([UInt8]) -> Void

    /// - Parameter sink: receives each line, newline included; standard error by default.
    package init(
        label: String, level: Logger.Level = .info, metadataProvider: Logger.MetadataProvider? = nil,
        sink: @escaping @Sendable ([UInt8]) -> Void = JSONLogHandler.standardError
    ) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
        self.sink = sink
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        sink(
            Self.line(
                time: Self.timestamp(), level: event.level, label: label, message: "\(event.message)", metadata: merged)
        )
    }

    /// One encoded line (exposed for tests).
    static func line(
        time: String, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata
    ) -> [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writer.object { object in
            object.field("time", time)
            object.field("level", level.rawValue)
            object.field("label", label)
            object.field("message", message)
            if case .string(let id)? = metadata["request_id"] {
                object.field("request_id", id)
            } else if case .stringConvertible(let id)? = metadata["request_id"] {
                object.field("request_id", id.description)
            }
            if !metadata.isEmpty { object.objectField("metadata") { write(metadata, into: &$0) } }
        }
        var bytes = writer.bytes
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    private static func write(_ metadata: Logger.Metadata, into object: inout JSONWriter.ObjectWriter) {
        for key in metadata.keys.sorted() {
            switch metadata[key]! {
            case .string(let text): object.field(key, text)
            case .stringConvertible(let value): object.field(key, value.description)
            case .dictionary(let nested): object.objectField(key) { write(nested, into: &$0) }
            case .array(let values): object.field(key, strings: values.map(\.description))
            }
        }
    }

    /// Now as RFC 3339 UTC with milliseconds, formatted by hand: the access log calls this per request.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8((rest / divisor) % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(Int(parts.tm_year) + 1900, 4)
        bytes.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2)
        bytes.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2)
        bytes.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2)
        bytes.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2)
        bytes.append(UInt8(ascii: "."))
        digits(Int(now.tv_nsec) / 1_000_000, 3)
        bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let writeLock = Mutex(())

    /// Writes a line to standard error in one call (retrying short writes), under a lock.
    package static let standardError: @Sendable ([UInt8]) -> Void = { line in
        writeLock.withLock { _ in
            line.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Glibc.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 && errno == EINTR { continue }
                    if written <= 0 { return }
                    offset += written
                }
            }
        }
    }
}
