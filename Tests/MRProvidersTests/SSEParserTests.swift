import MRTestSupport
import Testing

@testable import MRProviders

/// Parses `chunks` in order and returns the events as (type, data text, last id).
private func parse(_ chunks: [[UInt8]], maxEventBytes: Int = SSEParser.defaultMaxEventBytes) throws -> [Parsed] {
    var parser = SSEParser(maxEventBytes: maxEventBytes)
    var events: [Parsed] = []
    for chunk in chunks {
        try parser.feed(chunk) { events.append(Parsed($0)) }
    }
    parser.finish()
    return events
}

private func parse(_ text: String, maxEventBytes: Int = SSEParser.defaultMaxEventBytes) throws -> [Parsed] {
    try parse([Array(text.utf8)], maxEventBytes: maxEventBytes)
}

private struct Parsed: Hashable, CustomStringConvertible {
    var type: String
    var data: String
    var id: String?
    init(_ event: SSEEvent) {
        type = event.type
        data = String(decoding: event.data, as: UTF8.self)
        id = event.lastEventID
    }
    init(type: String = "message", data: String, id: String? = nil) {
        self.type = type
        self.data = data
        self.id = id
    }
    var description: String { "\(type)|\(data.debugDescription)|\(id ?? "-")" }
}

@Suite struct SSEParserTests {
    @Test(arguments: ["\n", "\r\n", "\r"])
    func lineEndings(_ end: String) throws {
        let text = "data: one\(end)\(end)event: update\(end)data: two\(end)\(end)"
        #expect(try parse(text) == [Parsed(data: "one"), Parsed(type: "update", data: "two")])
    }

    @Test func multiLineDataIsJoinedWithLineFeeds() throws {
        #expect(try parse("data: a\ndata:b\ndata:  c\n\n") == [Parsed(data: "a\nb\n c")])
    }

    @Test func commentsFieldsWithoutColonAndUnknownFields() throws {
        let text = ": a comment\n:\ndata\nfoo: bar\ndata: x\n\n"
        // A bare `data` adds an empty line; comments and unknown fields are ignored.
        #expect(try parse(text) == [Parsed(data: "\nx")])
    }

    @Test func idAndRetry() throws {
        var parser = SSEParser()
        var events: [Parsed] = []
        try parser.feed(Array("id: 7\nretry: 1500\ndata: a\n\ndata: b\n\nid: x\u{0}y\ndata: c\n\nid\ndata: d\n\n".utf8))
        {
            events.append(Parsed($0))
        }
        // The id persists across events, one with NUL is ignored, and an empty `id` resets it.
        #expect(
            events == [
                Parsed(data: "a", id: "7"), Parsed(data: "b", id: "7"), Parsed(data: "c", id: "7"),
                Parsed(data: "d", id: ""),
            ])
        #expect(parser.retryMilliseconds == 1500)
    }

    @Test func eventWithoutDataIsNotDispatchedAndResetsItsType() throws {
        #expect(try parse("event: ping\n\ndata: x\n\n") == [Parsed(data: "x")])
    }

    @Test func byteOrderMarkAtTheStartIsDropped() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let body = Array("data: x\n\n".utf8)
        #expect(try parse([bom + body]) == [Parsed(data: "x")])
        // Split inside the BOM.
        #expect(try parse([[0xEF], [0xBB], [0xBF] + body]) == [Parsed(data: "x")])
        // A second BOM is content: the field name becomes unknown and the line is ignored.
        #expect(try parse([bom + bom + body + body]) == [Parsed(data: "x")])
    }

    @Test func carriageReturnLineFeedSplitAcrossChunks() throws {
        // The `\n` starting the second chunk ends the first line; it must not count as a blank line.
        let chunks = [Array("data: a\r".utf8), Array("\ndata: b\r".utf8), Array("\n\r".utf8), Array("\n".utf8)]
        #expect(try parse(chunks) == [Parsed(data: "a\nb")])
    }

    @Test func unterminatedEventAtTheEndIsDiscarded() throws {
        var parser = SSEParser()
        var count = 0
        try parser.feed(Array("data: complete\n\ndata: partial\n".utf8)) { _ in count += 1 }
        #expect(count == 1)
        #expect(parser.hasPartialEvent)
        let discarded = parser.finish()
        #expect(discarded)
        #expect(!parser.hasPartialEvent)
    }

    @Test func eventsLargerThanTheLimitThrow() throws {
        let long = String(repeating: "x", count: 100)
        #expect(throws: SSEParserError.self) { try parse("data: \(long)\n\n", maxEventBytes: 64) }
        // Many data lines adding up past the limit.
        #expect(throws: SSEParserError.self) {
            try parse(String(repeating: "data: 0123456789\n", count: 10) + "\n", maxEventBytes: 64)
        }
        // A line that never ends, fed in small chunks.
        #expect(throws: SSEParserError.self) {
            try parse(Array(repeating: Array("yyyyyyyy".utf8), count: 20), maxEventBytes: 64)
        }
        // Just under the limit is fine, and the limit applies per event.
        let fits = String(repeating: "z", count: 60)
        #expect(try parse("data: \(fits)\n\ndata: \(fits)\n\n", maxEventBytes: 64).count == 2)
    }

    @Test func typeHelpers() throws {
        var seen: [SSEEvent] = []
        var parser = SSEParser()
        try parser.feed(Array("event: message_stop\ndata: [DONE]\n\ndata: {}\n\n".utf8)) { seen.append($0) }
        #expect(seen.count == 2)
        #expect(seen[0].hasType("message_stop") && !seen[0].hasType("message"))
        #expect(seen[0].dataEquals("[DONE]") && !seen[1].dataEquals("[DONE]"))
        #expect(seen[1].hasType("message") && seen[1].type == "message")
    }

    @Test func anErrorThrownByTheHandlerStopsParsing() throws {
        struct Stop: Error {}
        var parser = SSEParser()
        var count = 0
        #expect(throws: Stop.self) {
            try parser.feed(Array("data: 1\n\ndata: 2\n\n".utf8)) { _ in
                count += 1
                throw Stop()
            }
        }
        #expect(count == 1)
    }

    /// The same stream, fed with random chunk boundaries, always yields the events it was built from.
    @Test(arguments: [1, 2, 3, 4])
    func randomChunkBoundaries(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let (stream, expected) = randomStream(events: 60, using: &generator)
        #expect(try parse([stream]) == expected)
        for _ in 0..<250 {
            var chunks: [[UInt8]] = []
            var start = 0
            while start < stream.count {
                let size = Int.random(in: 1...(Bool.random(using: &generator) ? 3 : 64), using: &generator)
                chunks.append(Array(stream[start..<min(stream.count, start + size)]))
                start += size
            }
            let events = try parse(chunks)
            #expect(events == expected, "chunk sizes \(chunks.map(\.count))")
            if events != expected { return }
        }
    }

    /// A stream of random events with mixed line endings, comments, optional spaces, empty events, multi-byte
    /// characters and a BOM, plus the events a correct parser must produce.
    private func randomStream(events: Int, using generator: inout SeededGenerator) -> ([UInt8], [Parsed]) {
        let alphabet = Array("abc xyz:{}\"é🙂,0123456789 data event id".unicodeScalars)
        func text(_ maxLength: Int) -> String {
            var result = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...maxLength, using: &generator) {
                result.append(alphabet.randomElement(using: &generator)!)
            }
            return String(result)
        }
        var stream = Bool.random(using: &generator) ? "\u{FEFF}" : ""
        var expected: [Parsed] = []
        var lastID: String?
        for _ in 0..<events {
            let end = ["\n", "\r\n", "\r"].randomElement(using: &generator)!
            if Int.random(in: 0..<4, using: &generator) == 0 { stream += ":" + text(20) + end }
            var type = "message"
            if Bool.random(using: &generator) {
                type = "t" + text(8).filter { $0 != " " }
                stream += "event:" + (Bool.random(using: &generator) ? " " : "") + type + end
            }
            if Int.random(in: 0..<5, using: &generator) == 0 {
                let id = "id" + String(Int.random(in: 0..<1000, using: &generator))
                stream += "id: \(id)" + end
                lastID = id
            }
            var lines: [String] = []
            for _ in 0..<Int.random(in: 0...3, using: &generator) {
                let line = text(40)
                lines.append(line)
                // The space after the colon is optional (and only one is removed).
                let spaced = line.hasPrefix(" ") || Bool.random(using: &generator)
                stream += (spaced ? "data: " : "data:") + line + end
            }
            stream += end
            if !lines.isEmpty {
                expected.append(Parsed(type: type, data: lines.joined(separator: "\n"), id: lastID))
            }
        }
        return (Array(stream.utf8), expected)
    }
}
