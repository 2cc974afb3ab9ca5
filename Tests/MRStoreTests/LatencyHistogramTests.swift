import Testing

@testable import MRStore

@Suite struct LatencyHistogramTests {
    @Test func bucketsAreEighthsOfADoubling() {
        #expect(LatencyHistogram.bucket(for: 0) == 0)
        #expect(LatencyHistogram.bucket(for: -3) == 0)
        #expect(LatencyHistogram.bucket(for: 1) == 1)
        // Powers of two open a bucket exactly.
        for exponent in 0..<20 {
            let value = 1 << exponent
            #expect(LatencyHistogram.bucket(for: value) == exponent * 8 + 1)
            // From 16 up, the integer just below a power of two is in the last eighth of the doubling before.
            if exponent >= 4 { #expect(LatencyHistogram.bucket(for: value - 1) == exponent * 8) }
        }
        #expect(LatencyHistogram.bucket(for: Int.max) == LatencyHistogram.bucketCount - 1)
        // Every value lies between its bucket's edges.
        for value in [3, 5, 7, 100, 999, 1234, 30_000, 599_999] {
            let bucket = LatencyHistogram.bucket(for: value)
            #expect(LatencyHistogram.lowerEdge(ofBucket: bucket) <= Double(value))
            #expect(LatencyHistogram.lowerEdge(ofBucket: bucket + 1) > Double(value))
        }
    }

    @Test(arguments: [UInt64(11), 12, 13, 14])
    func percentilesAreWithinTheDocumentedError(seed: UInt64) {
        var random = TestRandom(seed: seed)
        var histogram = LatencyHistogram()
        var values: [Int] = []
        for _ in 0..<random.int(1...2000) {
            let value = random.int(0...120_000) / max(1, random.int(1...1000))
            values.append(value)
            histogram.add(value)
        }
        values.sort()
        for fraction in [0.0, 0.01, 0.5, 0.9, 0.95, 0.99, 1.0] {
            let exact = LatencyHistogram.exactPercentile(fraction, ofSorted: values)!
            let estimate = histogram.percentile(fraction, minimum: values.first, maximum: values.last)!
            #expect(
                Double(abs(estimate - exact)) <= Double(exact) * LatencyHistogram.relativeError + 0.5,
                "p\(fraction): \(estimate) vs \(exact)")
        }
    }

    @Test func encodingRoundTripsAndMerges() {
        var first = LatencyHistogram()
        var second = LatencyHistogram()
        for value in [0, 1, 1, 250, 250, 250, 70_000] { first.add(value) }
        for _ in 0..<300 { second.add(250) }  // a count over 127 needs two varint bytes
        second.add(5)
        let decoded = LatencyHistogram(encoded: first.encoded())
        #expect(decoded == first)
        #expect(first.encoded().count < 16)
        var merged = decoded
        merged.mergeEncoded(second.encoded())
        var expected = first
        expected.merge(second)
        #expect(merged == expected)
        #expect(merged.total == 308)
        #expect(LatencyHistogram().encoded().isEmpty)
        #expect(LatencyHistogram().percentile(0.5) == nil)
    }

    @Test(arguments: [[UInt8]([200, 1]), [3], [3, 0x80], [1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]])
    func damagedEncodingsDecodeWithoutCrashing(bytes: [UInt8]) {
        let histogram = LatencyHistogram(encoded: bytes)
        #expect(histogram.total >= 0)
        #expect(histogram.total == 0 || histogram.percentile(0.5) != nil)
    }
}
