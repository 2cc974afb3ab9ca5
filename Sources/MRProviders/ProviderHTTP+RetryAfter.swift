import MRHTTPClient

/// Parsing of a 429's `Retry-After` (RFC 9110 §10.2.3): delta-seconds or an HTTP-date.
enum RetryAfter {
    /// The longest pause honoured; a bogus far-future date must not park a deployment for years.
    static let maximum = Duration.seconds(86_400)  // also hard-coded in `clamp`

    /// `Retry-After` from `headers`, or OpenAI's `retry-after-ms` when that is all there is. `now` is the
    /// current Unix time in seconds (a date in the past means "now": zero).
    static func parse(headers: HTTPClientHeaders, now: Double) -> Duration? {
        if let value = headers.first("Retry-After"), let duration = parse(value, now: now) { return duration }
        if let value = headers.first("retry-after-ms"), let milliseconds = Double(trim(value)),
            milliseconds.isFinite, milliseconds >= 0
        {
            return clamp(milliseconds / 1000)
        }
        return nil
    }

    /// One header value: `120`, `1.5` (tolerated), or `Sun, 06 Nov 1994 08:49:37 GMT` (IMF-fixdate; the
    /// obsolete RFC 850 and asctime forms are accepted too). Nil when unparseable.
    static func parse(_ value: String, now: Double) -> Duration? {
        let text = trim(value)
        if text.isEmpty { return nil }
        if text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }), let seconds = Double(text) {
            return clamp(seconds)
        }
        guard let date = httpDate(text) else { return nil }
        return clamp(max(0, date - now))
    }

    /// Seconds since 1970 for an HTTP-date, or nil.
    static func httpDate(_ text: String) -> Double? {
        let parts: [Substring]
        if let comma = text.firstIndex(of: ",") {
            // IMF-fixdate `06 Nov 1994 08:49:37 GMT` or RFC 850 `06-Nov-94 08:49:37 GMT`.
            parts = text[text.index(after: comma)...].split { $0 == " " || $0 == "-" }
            guard parts.count == 5, parts[4] == "GMT" else { return nil }
            return timestamp(day: parts[0], month: parts[1], year: parts[2], time: parts[3])
        }
        // asctime: `Sun Nov  6 08:49:37 1994`.
        parts = text.split(separator: " ")
        guard parts.count == 5 else { return nil }
        return timestamp(day: parts[2], month: parts[1], year: parts[4], time: parts[3])
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    private static func timestamp(day: Substring, month: Substring, year: Substring, time: Substring) -> Double? {
        guard let day = Int(day), (1...31).contains(day),
            let monthIndex = months.firstIndex(of: month.lowercased()), var year = Int(year)
        else { return nil }
        if year < 100 { year += year >= 70 ? 1900 : 2000 }
        let clock = time.split(separator: ":")
        guard clock.count == 3, let hour = Int(clock[0]), let minute = Int(clock[1]), let second = Int(clock[2]),
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        let days = daysFromCivil(year: year, month: monthIndex + 1, day: day)
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second)
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func clamp(_ seconds: Double) -> Duration? {
        guard seconds.isFinite, seconds >= 0 else { return nil }
        let bounded = min(seconds, 86_400)
        return .milliseconds(Int64((bounded * 1000).rounded()))
    }

    private static func trim(_ text: String) -> String {
        var result = Substring(text)
        while let first = result.first, first == " " || first == "\t" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" { result.removeLast() }
        return String(result)
    }
}
