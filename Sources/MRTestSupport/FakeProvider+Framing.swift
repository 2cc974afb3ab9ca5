import MRHTTPServer
import MRWeb

extension FakeFraming {
    /// The SSE bytes of one event under this framing.
    func render(_ event: FakeWire.StreamEvent, index: Int) -> [UInt8] {
        let end = Array(lineEnding.rawValue.utf8)
        var bytes: [UInt8] = []
        if comments {
            bytes += Array(": fake comment \(index)".utf8) + end
            if index % 2 == 0 { bytes += Array(":".utf8) + end }  // an empty comment
        }
        if let name = event.name { bytes += Array("event: \(name)".utf8) + end }
        for (line, text) in dataLines(event).enumerated() {
            // The space after the colon is optional: leave it out on every other continuation line.
            bytes += Array((multiLineData && line % 2 == 1 ? "data:" : "data: ").utf8) + text + end
        }
        return bytes + end
    }

    /// The data, split at top-level commas over several lines when `multiLineData` (joined with `\n`, it is
    /// still the same JSON: a newline between two members is whitespace).
    private func dataLines(_ event: FakeWire.StreamEvent) -> [[UInt8]] {
        if let raw = event.raw { return [Array(raw.utf8)] }
        guard multiLineData, case .object(let fields) = event.data, fields.count > 1 else {
            return [event.data.encoded()]
        }
        var lines: [[UInt8]] = []
        for (index, field) in fields.enumerated() {
            var member = JSONValue.object([field]).encoded()
            member.removeFirst()  // `{`
            member.removeLast()  // `}`
            var line: [UInt8] = index == 0 ? [UInt8(ascii: "{")] : []
            line += member
            line.append(index == fields.count - 1 ? UInt8(ascii: "}") : UInt8(ascii: ","))
            lines.append(line)
        }
        return lines
    }

    /// `events` cut into writes per `writes`.
    func pieces(_ events: [[UInt8]]) -> [[UInt8]] {
        switch writes {
        case .perEvent: return events
        case .whole: return [events.flatMap { $0 }]
        case .bytewise: return events.flatMap { $0 }.map { [$0] }
        case .random(let seed, let maxSize):
            var generator = SeededGenerator(seed: seed)
            let all = events.flatMap { $0 }
            var pieces: [[UInt8]] = []
            var start = 0
            while start < all.count {
                let size = Int.random(in: 1...max(1, maxSize), using: &generator)
                let end = min(all.count, start + size)
                pieces.append(Array(all[start..<end]))
                start = end
            }
            return pieces
        }
    }

    /// Writes `pieces`, pausing before each when `pause` is set.
    func write(_ pieces: [[UInt8]], to writer: HTTPBodyWriter) async throws {
        for piece in pieces {
            if pause > .zero { try await Task.sleep(for: pause) }
            try await writer.write(piece)
        }
    }
}
