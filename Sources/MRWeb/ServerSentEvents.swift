import MRHTTPServer

/// Server-sent events framing and the stream response that carries them.
public enum ServerSentEvents {
    /// The heartbeat comment, sent when a stream is otherwise quiet.
    public static let heartbeat: [UInt8] = Array(": keep-alive\n\n".utf8)

    /// One event: `event: name` and the JSON `data` line(s), then a blank line.
    public static func event(_ name: String, json: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(json.count + name.utf8.count + 16)
        bytes.append(contentsOf: "event: ".utf8)
        bytes.append(contentsOf: name.utf8)
        bytes.append(contentsOf: "\ndata: ".utf8)
        // JSON from our writers has no raw newlines; split defensively so a newline can't end the event.
        for byte in json {
            if byte == 0x0A { bytes.append(contentsOf: "\ndata: ".utf8) } else { bytes.append(byte) }
        }
        bytes.append(contentsOf: "\n\n".utf8)
        return bytes
    }

    /// A `data:`-only event, OpenAI style.
    public static func data(_ json: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = Array("data: ".utf8)
        bytes.reserveCapacity(json.count + 8)
        bytes.append(contentsOf: json)
        bytes.append(contentsOf: "\n\n".utf8)
        return bytes
    }

    /// A `text/event-stream` response: unbuffered, heartbeats every `heartbeatInterval`.
    public static func response(
        heartbeatInterval: Duration = .seconds(15), headers extra: HTTPHeaders = HTTPHeaders(),
        produce: @escaping @Sendable (HTTPBodyWriter) async throws -> Void
    ) -> HTTPResponse {
        var headers: HTTPHeaders = [
            "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        ]
        for (name, value) in extra { headers.set(name, value) }
        return HTTPResponse(
            status: 200, headers: headers,
            body: .stream(
                HTTPStreamBody(
                    heartbeat: .init(interval: heartbeatInterval, bytes: heartbeat), produce: produce)))
    }
}
