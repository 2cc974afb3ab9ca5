// The one duration syntax of ModelRouter, shared by the config file, query strings and CLI flags:
// a number with a unit (`250ms`, `4s`, `1.5s`, `5m`, `2h`, `1d`), several of them in a row (`1h30m`),
// or a bare number meaning seconds (`30`).

/// Why a duration text was rejected; `message` is fit to show to the user as is.
public struct DurationParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The text that failed to parse.
    public let input: String
    /// A sentence saying what is wrong, naming the input.
    public let message: String

    /// Creates an error for `input` with a short `reason` (the message adds the input and the accepted form).
    public init(input: String, reason: String) {
        self.input = input
        self.message = "invalid duration \"\(input)\": \(reason)"
    }

    public var description: String { message }
}

extension Duration {
    /// The units a duration text may use, with their length in nanoseconds.
    private static let parsingUnits: [(name: String, nanoseconds: Int64)] = [
        ("ms", 1_000_000),
        ("s", 1_000_000_000),
        ("m", 60_000_000_000),
        ("h", 3_600_000_000_000),
        ("d", 86_400_000_000_000),
    ]

    private static let unitHint = "use a number with a unit: ms, s, m, h or d (e.g. 250ms, 1.5s, 5m)"

    /// Parses the config/query/flag form: `250ms`, `4s`, `1.5s`, `5m`, `2h`, `1d`, combinations such as
    /// `1h30m`, or a bare number meaning seconds (`"30"` is 30 s). Surrounding whitespace is ignored.
    ///
    /// Rejects empty text, negative values, NaN and infinity, unknown units and anything else that is
    /// not the form above, and values beyond about 292 years (what fits in 64-bit nanoseconds).
    /// Precision is one nanosecond; finer fractions are truncated.
    public init(parsing text: String) throws(DurationParseError) {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else {
            throw DurationParseError(input: text, reason: "empty value; \(Self.unitHint)")
        }
        let bytes = Array(trimmed.utf8)
        if bytes[0] == UInt8(ascii: "-") {
            throw DurationParseError(input: text, reason: "must not be negative")
        }
        var index = 0
        var total: Int64 = 0
        var segmentCount = 0
        while index < bytes.count {
            let number = try Self.scanNumber(bytes, from: &index, input: text)
            let unitStart = index
            while index < bytes.count, Self.isLetter(bytes[index]) { index += 1 }
            let unitName = String(decoding: bytes[unitStart..<index], as: UTF8.self)
            let unitNanoseconds: Int64
            if unitName.isEmpty {
                // A bare number means seconds, but only on its own: `1m30` is a typo, not 1m30s.
                guard segmentCount == 0, index == bytes.count else {
                    throw DurationParseError(input: text, reason: "missing unit after a number; \(Self.unitHint)")
                }
                unitNanoseconds = 1_000_000_000
            } else if let unit = Self.parsingUnits.first(where: { $0.name == unitName }) {
                unitNanoseconds = unit.nanoseconds
            } else {
                throw DurationParseError(input: text, reason: "unknown unit \"\(unitName)\"; \(Self.unitHint)")
            }
            guard let nanoseconds = number.nanoseconds(unit: unitNanoseconds) else {
                throw DurationParseError(input: text, reason: "too large")
            }
            let (sum, overflow) = total.addingReportingOverflow(nanoseconds)
            guard !overflow else { throw DurationParseError(input: text, reason: "too large") }
            total = sum
            segmentCount += 1
        }
        self = .nanoseconds(total)
    }

    /// Whole milliseconds in this duration, truncated toward zero and clamped to the `Int64` range.
    /// This is the unit of every `_ms` field in ModelRouter's responses.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        let (sum, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        guard !overflow2 else { return seconds < 0 ? .min : .max }
        return sum
    }

    /// This duration in seconds as a floating-point number (for Prometheus, which uses base units).
    public var totalSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// The short form that ``init(parsing:)`` reads back: the largest unit that expresses the value as a
    /// whole number (`"5m"`, `"90s"`, `"250ms"`, `"1d"`), `"0s"` for zero, fractional milliseconds below
    /// one millisecond's precision (`"0.5ms"`), and a leading `-` for negative values.
    public var formattedShort: String {
        if self < .zero { return "-" + (Duration.zero - self).formattedShort }
        let (seconds, attoseconds) = components
        let nanosecondRemainder = attoseconds / 1_000_000_000
        if nanosecondRemainder % 1_000_000 != 0 {
            let (wholeMilliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
            guard !overflow else { return "\(seconds)s" }
            let whole = wholeMilliseconds + nanosecondRemainder / 1_000_000
            var fraction = String(nanosecondRemainder % 1_000_000)
            fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
            while fraction.hasSuffix("0") { fraction.removeLast() }
            return "\(whole).\(fraction)ms"
        }
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return "\(seconds)s" }
        let totalMilliseconds = scaled + nanosecondRemainder / 1_000_000
        if totalMilliseconds == 0 { return "0s" }
        let units: [(String, Int64)] = [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        for (name, length) in units where totalMilliseconds % length == 0 {
            return "\(totalMilliseconds / length)\(name)"
        }
        return "\(totalMilliseconds)ms"
    }

    // MARK: - Scanning

    /// A non-negative decimal number as written: its integer digits and up to 18 fraction digits.
    private struct ScannedNumber {
        var integer: Int64
        var fraction: Int64
        var fractionDigits: Int

        /// The number times `unit` nanoseconds, or nil if it does not fit in `Int64`.
        func nanoseconds(unit: Int64) -> Int64? {
            let (whole, overflow) = integer.multipliedReportingOverflow(by: unit)
            guard !overflow else { return nil }
            guard fractionDigits > 0 else { return whole }
            var scale: Int64 = 1
            for _ in 0..<fractionDigits { scale *= 10 }
            // fraction < scale, so fraction * unit / scale < unit: the quotient always fits.
            let product = fraction.multipliedFullWidth(by: unit)
            let part = scale.dividingFullWidth((product.high, product.low)).quotient
            let (sum, overflow2) = whole.addingReportingOverflow(part)
            return overflow2 ? nil : sum
        }
    }

    private static func scanNumber(
        _ bytes: [UInt8], from index: inout Int, input: String
    ) throws(DurationParseError) -> ScannedNumber {
        var number = ScannedNumber(integer: 0, fraction: 0, fractionDigits: 0)
        var integerDigits = 0
        while index < bytes.count, let digit = digitValue(bytes[index]) {
            let (scaled, overflow1) = number.integer.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = scaled.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { throw DurationParseError(input: input, reason: "too large") }
            number.integer = sum
            integerDigits += 1
            index += 1
        }
        var fractionDigitsSeen = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, let digit = digitValue(bytes[index]) {
                // Digits past 18 are below a nanosecond for every unit: keep them out of the arithmetic.
                if number.fractionDigits < 18 {
                    number.fraction = number.fraction * 10 + digit
                    number.fractionDigits += 1
                }
                fractionDigitsSeen += 1
                index += 1
            }
            guard fractionDigitsSeen > 0 else {
                throw DurationParseError(input: input, reason: "a decimal point must be followed by digits")
            }
        }
        guard integerDigits + fractionDigitsSeen > 0 else {
            let rest = String(decoding: bytes[index...], as: UTF8.self)
            throw DurationParseError(input: input, reason: "expected a number at \"\(rest)\"; \(unitHint)")
        }
        return number
    }

    private static func digitValue(_ byte: UInt8) -> Int64? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int64(byte - UInt8(ascii: "0")) : nil
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }
}

extension String {
    /// Without leading and trailing spaces, tabs, CRs and LFs. By scalar: "\r\n" is one `Character`, which a
    /// per-character test for "\r" or "\n" would not match.
    fileprivate func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
            let last = scalars.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(scalars[first...last])
    }
}
