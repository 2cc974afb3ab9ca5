/// One dispatched server-sent event.
///
/// `data` is the event's `data:` lines joined with `\n`, as bytes. Within an ``SSEParser/feed(_:onEvent:)``
/// callback the array shares storage with the parser, so reading it costs nothing; keeping it (or mutating it)
/// makes a copy.
package struct SSEEvent: Sendable, Hashable {
    /// The `event:` field's value as bytes; empty when the event had none (the spec's default type `message`).
    package var typeBytes: [UInt8]
    package var data: [UInt8]
    /// The last event id seen so far on the stream (the spec's "last event ID buffer"), if any.
    package var lastEventID: String?

    package init(type: String = "", data: [UInt8], lastEventID: String? = nil) {
        self.typeBytes = Array(type.utf8)
        self.data = data
        self.lastEventID = lastEventID
    }

    /// The event type: the `event:` field, or `message` when there was none.
    package var type: String { typeBytes.isEmpty ? "message" : String(decoding: typeBytes, as: UTF8.self) }

    /// Whether the event's type is `name`, without building a `String`.
    package func hasType(_ name: StaticString) -> Bool {
        name.withUTF8Buffer { typeBytes.isEmpty ? $0.elementsEqual("message".utf8) : $0.elementsEqual(typeBytes) }
    }

    /// Whether `data` is exactly `text` (e.g. OpenAI's `[DONE]`).
    package func dataEquals(_ text: StaticString) -> Bool {
        text.withUTF8Buffer { $0.elementsEqual(data) }
    }
}

/// A stream that broke the parser's limits.
package struct SSEParserError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The event (or a single line) grew past the limit; a hostile or broken upstream must not exhaust memory.
    package let limit: Int
    package var description: String { "a server-sent event exceeds the limit of \(limit) bytes" }
}

/// An incremental server-sent-events parser over bytes (WHATWG HTML, "Parsing an event stream").
///
/// Feed it chunks exactly as they arrive: an event, a line, even a CRLF pair may be split anywhere. It handles
/// `\n`, `\r\n` and `\r` line ends, a leading BOM, comments, fields without a colon, the optional space after the
/// colon, multi-line `data:`, `event:`, `id:` (ignored when it contains NUL) and `retry:`. An event is dispatched
/// at a blank line when its data buffer is not empty; an unterminated event at the end of the stream is
/// discarded, as the spec says.
///
/// Lines that arrive whole inside a chunk are parsed in place; only a line split across chunks is copied. The
/// data buffer keeps its capacity between events, so a steady stream allocates nothing per event.
package struct SSEParser: Sendable {
    /// The default bound on one event's data plus its current line: 8 MiB.
    package static let defaultMaxEventBytes = 8 << 20

    package let maxEventBytes: Int
    /// The last `retry:` value in milliseconds, if the stream sent one.
    package private(set) var retryMilliseconds: Int?

    private var pendingLine: [UInt8] = []
    private var data: [UInt8] = []
    private var eventType: [UInt8] = []
    private var lastEventID: String?
    /// The previous chunk ended in `\r`: a `\n` at the start of the next one belongs to that line end.
    private var skipLineFeed = false
    /// Still at the very start of the stream, where one BOM is dropped (possibly split across chunks).
    private var bomBytesSeen = 0
    private var atStart = true

    package init(maxEventBytes: Int = SSEParser.defaultMaxEventBytes) {
        self.maxEventBytes = maxEventBytes
    }

    /// True when the stream so far ends inside an event (data or a line not yet terminated by a blank line).
    package var hasPartialEvent: Bool { !data.isEmpty || !pendingLine.isEmpty }

    /// Parses `bytes`, calling `onEvent` for each complete event. Rethrows what `onEvent` throws (the rest of
    /// the chunk is then left unparsed) and throws ``SSEParserError`` past ``maxEventBytes``.
    package mutating func feed(_ bytes: [UInt8], onEvent: (SSEEvent) throws -> Void) throws {
        try bytes.withUnsafeBytes { try feed($0, onEvent: onEvent) }
    }

    /// Parses `buffer`; see ``feed(_:onEvent:)-([UInt8],_)``.
    package mutating func feed(_ buffer: UnsafeRawBufferPointer, onEvent: (SSEEvent) throws -> Void) throws {
        var start = 0
        let end = buffer.count
        if atStart { start = consumeBOM(buffer) }
        if start < end && skipLineFeed {
            if buffer[start] == 0x0A { start += 1 }
            skipLineFeed = false
        }
        var index = start
        while index < end {
            let byte = buffer[index]
            guard byte == 0x0A || byte == 0x0D else {
                index += 1
                continue
            }
            // A complete line: [start, index).
            if pendingLine.isEmpty {
                try processLine(UnsafeRawBufferPointer(rebasing: buffer[start..<index]), onEvent: onEvent)
            } else {
                try appendPending(UnsafeRawBufferPointer(rebasing: buffer[start..<index]))
                var line = pendingLine
                pendingLine = []
                try line.withUnsafeBytes { try processLine($0, onEvent: onEvent) }
                line.removeAll(keepingCapacity: true)
                pendingLine = line
            }
            index += 1
            if byte == 0x0D {
                if index < end {
                    if buffer[index] == 0x0A { index += 1 }
                } else {
                    skipLineFeed = true
                }
            }
            start = index
        }
        if start < end {
            try appendPending(UnsafeRawBufferPointer(rebasing: buffer[start..<end]))
        }
    }

    /// Ends the stream. Returns true when an unfinished event was discarded (the stream stopped mid-event).
    @discardableResult
    package mutating func finish() -> Bool {
        let hadPartial = hasPartialEvent
        pendingLine.removeAll(keepingCapacity: true)
        data.removeAll(keepingCapacity: true)
        eventType.removeAll(keepingCapacity: true)
        return hadPartial
    }

    // MARK: Lines

    private mutating func consumeBOM(_ buffer: UnsafeRawBufferPointer) -> Int {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        var index = 0
        while bomBytesSeen < 3 && index < buffer.count {
            guard buffer[index] == bom[bomBytesSeen] else {
                // Not a BOM after all: the bytes taken so far were content (only possible across chunks).
                atStart = false
                if bomBytesSeen > 0 { pendingLine.append(contentsOf: bom[0..<bomBytesSeen]) }
                return index
            }
            bomBytesSeen += 1
            index += 1
        }
        if bomBytesSeen == 3 { atStart = false }
        return index
    }

    private mutating func appendPending(_ bytes: UnsafeRawBufferPointer) throws {
        guard pendingLine.count + bytes.count + data.count <= maxEventBytes else {
            throw SSEParserError(limit: maxEventBytes)
        }
        pendingLine.append(contentsOf: bytes)
    }

    private mutating func processLine(_ line: UnsafeRawBufferPointer, onEvent: (SSEEvent) throws -> Void) throws {
        if line.isEmpty {
            try dispatch(onEvent)
            return
        }
        let colon = line.firstIndex(of: UInt8(ascii: ":"))
        if colon == 0 { return }  // a comment
        let name = UnsafeRawBufferPointer(rebasing: line[0..<(colon ?? line.count)])
        var valueStart = colon.map { $0 + 1 } ?? line.count
        if valueStart < line.count && line[valueStart] == 0x20 { valueStart += 1 }
        let value = UnsafeRawBufferPointer(rebasing: line[valueStart..<line.count])

        if name.elementsEqual("data".utf8) {
            guard data.count + value.count + 1 <= maxEventBytes else { throw SSEParserError(limit: maxEventBytes) }
            data.append(contentsOf: value)
            data.append(0x0A)
        } else if name.elementsEqual("event".utf8) {
            eventType.removeAll(keepingCapacity: true)
            eventType.append(contentsOf: value.prefix(1024))
        } else if name.elementsEqual("id".utf8) {
            if !value.contains(0) { lastEventID = String(decoding: value, as: UTF8.self) }
        } else if name.elementsEqual("retry".utf8) {
            if !value.isEmpty, value.count <= 9, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                retryMilliseconds = value.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            }
        }
        // Any other field is ignored.
    }

    private mutating func dispatch(_ onEvent: (SSEEvent) throws -> Void) throws {
        guard !data.isEmpty else {
            eventType.removeAll(keepingCapacity: true)
            return
        }
        data.removeLast()  // the `\n` after the last data line
        do {
            let event = SSEEvent(typeBytes: eventType, data: data, lastEventID: lastEventID)
            data = []  // the event holds the only reference while the callback runs
            try onEvent(event)
            data = event.data
        }
        data.removeAll(keepingCapacity: true)
        eventType.removeAll(keepingCapacity: true)
    }
}

extension SSEEvent {
    fileprivate init(typeBytes: [UInt8], data: [UInt8], lastEventID: String?) {
        self.typeBytes = typeBytes
        self.data = data
        self.lastEventID = lastEventID
    }
}
