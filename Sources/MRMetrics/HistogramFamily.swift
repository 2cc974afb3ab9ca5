import Synchronization

/// One latency histogram series: observation counts per bucket, their sum and count.
///
/// ModelRouter keeps its histograms itself rather than in swift-prometheus' registry because they are most of
/// `/metrics` (two per deployment, 15 lines each) and the library's histogram formats every line through
/// string interpolation: with 1,000 deployments that alone took ~20 ms per scrape (bench/metrics). Here a
/// series holds its label text pre-rendered, counts are plain integers (one increment per observation, made
/// cumulative while rendering), and numbers are written digit by digit.
final class LatencySeries: Sendable {
    private struct State {
        /// Non-cumulative: `counts[i]` observations fell in bucket `i` (the last slot is `+Inf`).
        var counts: [Int]
        var sumNanoseconds: Int64 = 0
        var count = 0
    }

    /// `name_bucket{provider="nvidia",model="meta/x",le="`: each bucket line starts with it, so rendering a line
    /// is one copy, the bound's text and the count.
    let bucketPrefix: [UInt8]
    /// `name_sum{provider="nvidia",model="meta/x"} ` (or `name_sum ` unlabeled).
    let sumPrefix: [UInt8]
    /// `name_count{…} `.
    let countPrefix: [UInt8]
    private let state: Mutex<State>

    init(name: String, labelText: [UInt8], bucketCount: Int) {
        var bucket = Array((name + "_bucket{").utf8)
        bucket += labelText
        if !labelText.isEmpty { bucket.append(UInt8(ascii: ",")) }
        bucket += Array(#"le=""#.utf8)
        bucketPrefix = bucket
        func plain(_ suffix: String) -> [UInt8] {
            var text = Array((name + suffix).utf8)
            if !labelText.isEmpty { text += [UInt8(ascii: "{")] + labelText + [UInt8(ascii: "}")] }
            return text + [UInt8(ascii: " ")]
        }
        sumPrefix = plain("_sum")
        countPrefix = plain("_count")
        state = Mutex(State(counts: Array(repeating: 0, count: bucketCount + 1)))
    }

    /// Adds one observation that falls in bucket `index` (`bounds.count` for `+Inf`).
    func record(bucket index: Int, nanoseconds: Int64) {
        state.withLock { state in
            state.counts[index] += 1
            state.sumNanoseconds &+= nanoseconds
            state.count += 1
        }
    }

    /// The counts, sum and count at one moment.
    func snapshot() -> (counts: [Int], sumNanoseconds: Int64, count: Int) {
        state.withLock { ($0.counts, $0.sumNanoseconds, $0.count) }
    }
}

/// A histogram family with fixed bucket bounds: its series by label values, and its text-format rendering.
final class HistogramFamily: Sendable {
    let name: String
    private let help: String
    private let labelNames: [String]
    /// Upper bounds in nanoseconds, ascending.
    private let bounds: [Int64]
    /// The end of each bucket line before its count: `0.05"} `, …, `+Inf"} `.
    private let boundTexts: [[UInt8]]
    private let series = Mutex<[SeriesKey: LatencySeries]>([:])

    init(name: String, help: String, labelNames: [String], buckets: [Duration]) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
        let sorted = buckets.sorted()
        bounds = sorted.map(\.nanoseconds)
        boundTexts = (sorted.map { Self.secondsText($0) } + ["+Inf"]).map { Array(($0 + #""} "#).utf8) }
    }

    /// Records `duration` (negative counts as zero) in the series for `key`, made on first use.
    func record(_ key: SeriesKey, _ duration: Duration) {
        series(key).record(duration)
    }

    /// The series for `key`, made on first use; keep it to record without a lookup.
    func series(_ key: SeriesKey) -> BoundSeries {
        let series = self.series.withLock { cache in
            if let hit = cache[key] { return hit }
            let made = LatencySeries(name: name, labelText: labelText(key), bucketCount: bounds.count)
            cache[key] = made
            return made
        }
        return BoundSeries(family: self, series: series)
    }

    /// A series with its family's bounds, ready to record.
    struct BoundSeries {
        let family: HistogramFamily
        let series: LatencySeries

        func record(_ duration: Duration) {
            let nanoseconds = max(0, duration.nanoseconds)
            // Linear search: 12 to 15 bounds, and most observations land in the first few.
            var index = 0
            while index < family.bounds.count && nanoseconds > family.bounds[index] { index += 1 }
            series.record(bucket: index, nanoseconds: nanoseconds)
        }
    }

    /// Drops every series whose key matches.
    func remove(where matches: (SeriesKey) -> Bool) {
        series.withLock { cache in
            for key in cache.keys.filter(matches) { cache.removeValue(forKey: key) }
        }
    }

    /// Number of series.
    var seriesCount: Int { series.withLock { $0.count } }

    /// Appends the family (`# HELP`, `# TYPE`, then each series' buckets, sum and count); nothing when it has no
    /// series yet, as Prometheus clients do for labeled families.
    func emit(into buffer: inout [UInt8]) {
        let all = series.withLock { Array($0.values) }
        guard !all.isEmpty else { return }
        buffer.append(contentsOf: "# HELP \(name) \(help)\n# TYPE \(name) histogram\n".utf8)
        for series in all {
            let (counts, sum, count) = series.snapshot()
            var cumulative = 0
            for (index, text) in boundTexts.enumerated() {
                cumulative += counts[index]
                buffer.append(contentsOf: series.bucketPrefix)
                buffer.append(contentsOf: text)
                TextFormat.appendDecimal(cumulative, to: &buffer)
                buffer.append(UInt8(ascii: "\n"))
            }
            buffer.append(contentsOf: series.sumPrefix)
            TextFormat.appendSeconds(nanoseconds: sum, to: &buffer)
            buffer.append(UInt8(ascii: "\n"))
            buffer.append(contentsOf: series.countPrefix)
            TextFormat.appendDecimal(count, to: &buffer)
            buffer.append(UInt8(ascii: "\n"))
        }
    }

    private func labelText(_ key: SeriesKey) -> [UInt8] {
        var text: [UInt8] = []
        for (index, name) in labelNames.enumerated() {
            if index > 0 { text.append(UInt8(ascii: ",")) }
            text.append(contentsOf: name.utf8)
            text.append(contentsOf: #"=""#.utf8)
            TextFormat.appendEscapedLabelValue([key.first, key.second, key.third][index], to: &text)
            text.append(UInt8(ascii: "\""))
        }
        return text
    }

    /// A bound as Prometheus clients write it: `0.05`, `1.0`, `120.0`.
    static func secondsText(_ duration: Duration) -> String {
        let nanoseconds = duration.nanoseconds
        var fraction = String(nanoseconds % 1_000_000_000)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.count > 1 && fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(nanoseconds / 1_000_000_000).\(fraction)"
    }
}

/// Number and label writing for the text format, without intermediate strings.
enum TextFormat {
    /// `value` in decimal.
    static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        if value < 0 {
            buffer.append(UInt8(ascii: "-"))
            appendDecimal(UInt(value.magnitude), to: &buffer)
        } else {
            appendDecimal(UInt(value), to: &buffer)
        }
    }

    static func appendDecimal(_ value: UInt, to buffer: inout [UInt8]) {
        if value < 10 {
            buffer.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var rest = value
            var start = 20
            while rest > 0 {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start..<20]))
        }
    }

    /// Nanoseconds as seconds with nine decimals (`12.345000000`): exact, and no floating-point formatting.
    static func appendSeconds(nanoseconds: Int64, to buffer: inout [UInt8]) {
        let magnitude = nanoseconds.magnitude
        if nanoseconds < 0 { buffer.append(UInt8(ascii: "-")) }
        appendDecimal(UInt(magnitude / 1_000_000_000), to: &buffer)
        buffer.append(UInt8(ascii: "."))
        var fraction = magnitude % 1_000_000_000
        var divisor: UInt64 = 100_000_000
        while divisor > 0 {
            buffer.append(UInt8(ascii: "0") + UInt8(fraction / divisor))
            fraction %= divisor
            divisor /= 10
        }
    }

    /// A label value with `\`, `"` and line feeds escaped, as the text format requires.
    static func appendEscapedLabelValue(_ value: String, to buffer: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\""): buffer.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\n"): buffer.append(contentsOf: #"\n"#.utf8)
            default: buffer.append(byte)
            }
        }
    }
}

extension Duration {
    /// Whole nanoseconds, saturating at `Int64`'s range.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (total, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflow2 { return seconds < 0 ? .min : .max }
        return total
    }
}
