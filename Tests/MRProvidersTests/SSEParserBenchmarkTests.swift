import Testing

@testable import MRProviders

/// The benchmark's readers must agree, or its figures mean nothing (it traps when they do not).
@Suite struct SSEParserBenchmarkTests {
    @Test func readersAgreeOnASmallStream() {
        let stream = SSEParserBenchmark.makeStream(bytes: 64 * 1024)
        let parsed = SSEParserBenchmark.parserRead(stream, chunkSize: 1000)
        #expect(parsed.events > 200)
        #expect(parsed.text == SSEParserBenchmark.naiveRead(stream))
        #expect(parsed.text.contains("Ünïcødé \"quoted\" 🙂"))
        #expect(SSEParserBenchmark.framingRead(stream, chunkSize: 7) == parsed.events + 1)
    }

    @Test func reportShowsEveryFigure() {
        let result = SSEParserBenchmark.Result(
            bytes: 10_485_760, events: 1000, parserSeconds: 1, framingSeconds: 0.05, naiveSeconds: 2)
        #expect(result.ratio == 2)
        #expect(result.description.contains("10.0 MB/s"))
        #expect(result.description.contains("200.0 MB/s"))
        #expect(result.description.contains("5.0 MB/s"))
        #expect(result.description.contains("2.0x"))
    }
}
