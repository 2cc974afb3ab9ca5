/// A strict reader of the Prometheus text format (0.0.4), so tests check what a scraper would accept, not
/// just that some substring is there: names and label syntax, escapes, one `# TYPE` per family before its
/// samples, no duplicate series, and histograms whose buckets are cumulative and end in `+Inf` = `_count`.
struct Exposition {
    struct Sample: Hashable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    var samples: [Sample] = []
    /// Family name → type.
    var types: [String: String] = [:]

    init(_ text: String) throws {
        var seen = Set<String>()
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            func fail(_ message: String) -> Failure { Failure(description: "line \(lineNumber): \(message): \(line)") }
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3)
                if parts.count >= 3, parts[1] == "TYPE" {
                    let name = String(parts[2])
                    guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3])
                    else { throw fail("bad TYPE") }
                    guard types[name] == nil else { throw fail("second TYPE for \(name)") }
                    guard
                        !samples.contains(where: { Self.family(of: $0.name, types: [name: String(parts[3])]) == name })
                    else { throw fail("TYPE after samples of \(name)") }
                    types[name] = String(parts[3])
                } else if parts.count >= 3, parts[1] == "HELP" {
                    guard Self.isMetricName(parts[2]) else { throw fail("bad HELP name") }
                }
                continue
            }
            let sample = try Self.parseSample(line, fail: fail)
            let identity =
                sample.name + "{"
                + sample.labels.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }
                .joined(separator: ",") + "}"
            guard seen.insert(identity).inserted else { throw fail("duplicate series") }
            guard types[Self.family(of: sample.name, types: types)] != nil else { throw fail("sample without TYPE") }
            samples.append(sample)
        }
        try checkHistograms()
    }

    /// Samples named `name` whose labels include `labels`.
    func values(_ name: String, _ labels: [String: String] = [:]) -> [Double] {
        samples.filter { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }.map(\.value)
    }

    /// The one sample named `name` with `labels`, or nil.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let found = values(name, labels)
        return found.count == 1 ? found[0] : nil
    }

    static func family(of name: String, types: [String: String]) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if types[base] == "histogram" || types[base] == "summary" { return base }
        }
        return name
    }

    private func checkHistograms() throws {
        for (family, type) in types where type == "histogram" {
            var bySeries: [[String: String]: [(le: Double, count: Double)]] = [:]
            for sample in samples where sample.name == family + "_bucket" {
                guard let le = sample.labels["le"], let bound = Self.number(le) else {
                    throw Failure(description: "\(family): bucket without a numeric le")
                }
                var key = sample.labels
                key["le"] = nil
                bySeries[key, default: []].append((bound, sample.value))
            }
            for (labels, buckets) in bySeries {
                let sorted = buckets.sorted { $0.le < $1.le }
                guard sorted.last?.le == .infinity else { throw Failure(description: "\(family)\(labels): no +Inf") }
                for (a, b) in zip(sorted, sorted.dropFirst()) where b.count < a.count {
                    throw Failure(description: "\(family)\(labels): buckets not cumulative")
                }
                guard value(family + "_count", labels) == sorted.last?.count, value(family + "_sum", labels) != nil
                else { throw Failure(description: "\(family)\(labels): _count differs from +Inf or _sum missing") }
            }
        }
    }

    private static func parseSample(_ line: Substring, fail: (String) -> Failure) throws -> Sample {
        var rest = line[...]
        let name = rest.prefix { $0 != "{" && $0 != " " }
        guard isMetricName(name) else { throw fail("bad metric name") }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let labelName = rest.prefix { $0 != "=" }
                guard isLabelName(labelName) else { throw fail("bad label name") }
                rest = rest.dropFirst(labelName.count)
                guard rest.hasPrefix("=\"") else { throw fail("expected =\"") }
                rest = rest.dropFirst(2)
                var value = ""
                while true {
                    guard let character = rest.first else { throw fail("unterminated label value") }
                    rest = rest.dropFirst()
                    if character == "\"" { break }
                    if character == "\\" {
                        guard let escaped = rest.first else { throw fail("dangling escape") }
                        rest = rest.dropFirst()
                        switch escaped {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: throw fail("unknown escape")
                        }
                    } else {
                        value.append(character)
                    }
                }
                guard labels.updateValue(value, forKey: String(labelName)) == nil else { throw fail("label twice") }
                if rest.first == "," { rest = rest.dropFirst() }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else { throw fail("expected a space before the value") }
        let fields = rest.dropFirst().split(separator: " ")
        guard fields.count == 1 || fields.count == 2, let value = number(fields[0]) else { throw fail("bad value") }
        if fields.count == 2, Int64(fields[1]) == nil { throw fail("bad timestamp") }
        return Sample(name: String(name), labels: labels, value: value)
    }

    static func number(_ text: some StringProtocol) -> Double? {
        switch text {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: return Double(String(text))
        }
    }

    static func isMetricName(_ name: some StringProtocol) -> Bool {
        func isStart(_ scalar: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_" || scalar == ":"
        }
        guard let first = name.unicodeScalars.first, isStart(first) else { return false }
        return name.unicodeScalars.allSatisfy { isStart($0) || ("0"..."9").contains($0) }
    }

    static func isLabelName(_ name: some StringProtocol) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first), !name.contains(":") else {
            return false
        }
        return isMetricName(name)
    }
}
