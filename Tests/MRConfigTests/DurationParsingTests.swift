import MRCommon
import Testing

@Suite("Duration parsing and formatting")
struct DurationParsingTests {
    @Test(
        "valid durations",
        arguments: [
            ("250ms", Duration.milliseconds(250)),
            ("4s", .seconds(4)),
            ("5m", .seconds(300)),
            ("2h", .seconds(7200)),
            ("1d", .seconds(86_400)),
            ("1.5s", .milliseconds(1500)),
            ("1.25m", .seconds(75)),
            (".5s", .milliseconds(500)),
            ("0.5ms", .microseconds(500)),
            ("30", .seconds(30)),
            ("2.5", .milliseconds(2500)),
            ("0", .zero),
            ("0ms", .zero),
            ("  5m\t", .seconds(300)),
            ("\r\n1h\r\n", .seconds(3600)),  // "\r\n" is one Character: trimmed by scalar
            ("1h30m", .seconds(5400)),
            ("1m0.5s", .milliseconds(60_500)),
            ("0.0000000001s", .zero),  // below a nanosecond: truncated
            ("106751d", .seconds(106_751 * 86_400)),  // the largest whole-day value that fits
        ])
    func valid(text: String, expected: Duration) throws {
        #expect(try Duration(parsing: text) == expected)
    }

    @Test(
        "invalid durations",
        arguments: [
            ("", "empty"),
            ("   ", "empty"),
            ("-5s", "negative"),
            ("-0", "negative"),
            ("abc", "expected a number"),
            ("5x", "unknown unit \"x\""),
            ("5M", "unknown unit \"M\""),
            ("5sec", "unknown unit \"sec\""),
            ("nan", "expected a number"),
            ("NaN", "expected a number"),
            ("inf", "expected a number"),
            ("+5s", "expected a number"),
            ("5.s", "decimal point"),
            ("1.2.3s", "missing unit"),
            ("1m30", "missing unit"),
            ("5 m", "missing unit"),
            ("s", "expected a number"),
            ("5s junk", "expected a number"),
            ("1e3s", "unknown unit \"e\""),
            ("99999999999999999999s", "too large"),
            ("106752d", "too large"),
            ("106751d1d", "too large"),
        ])
    func invalid(text: String, reason: String) {
        do {
            let duration = try Duration(parsing: text)
            Issue.record("\"\(text)\" parsed as \(duration)")
        } catch {
            #expect(error.input == text)
            #expect(error.message.hasPrefix("invalid duration \"\(text)\""))
            #expect(error.message.contains(reason), "\(error.message)")
        }
    }

    @Test(
        "short formatting",
        arguments: [
            (Duration.milliseconds(250), "250ms"),
            (.seconds(300), "5m"),
            (.seconds(90), "90s"),
            (.zero, "0s"),
            (.seconds(86_400), "1d"),
            (.seconds(7200), "2h"),
            (.milliseconds(1500), "1500ms"),
            (.microseconds(500), "0.5ms"),
            (.nanoseconds(1_000_001), "1.000001ms"),
            (.milliseconds(-250), "-250ms"),
        ])
    func formatting(duration: Duration, expected: String) {
        #expect(duration.formattedShort == expected)
    }

    @Test(
        "formatting reads back",
        arguments: [
            Duration.milliseconds(250), .seconds(300), .seconds(7 * 86_400), .milliseconds(60_001), .zero,
            .microseconds(1500), .nanoseconds(7),
        ])
    func roundTrip(duration: Duration) throws {
        #expect(try Duration(parsing: duration.formattedShort) == duration)
    }

    @Test("milliseconds truncate and clamp")
    func milliseconds() {
        #expect(Duration.milliseconds(1500).milliseconds == 1500)
        #expect(Duration.microseconds(1999).milliseconds == 1)
        #expect(Duration.seconds(-2).milliseconds == -2000)
        #expect(Duration.seconds(Int64.max).milliseconds == Int64.max)
        #expect(Duration.milliseconds(250).totalSeconds == 0.25)
    }

    @Test("error describes itself with its message")
    func errorDescription() {
        let error = DurationParseError(input: "x", reason: "bad")
        #expect(error.description == "invalid duration \"x\": bad")
    }
}
