import MRHTTPClient
import Testing

@testable import MRProviders

@Suite struct RetryAfterTests {
    /// 1994-11-06T08:49:37Z.
    static let rfcExample = 784_111_777.0

    @Test func seconds() {
        #expect(RetryAfter.parse("120", now: 0) == .seconds(120))
        #expect(RetryAfter.parse(" 0 ", now: 0) == .zero)
        #expect(RetryAfter.parse("1.5", now: 0) == .milliseconds(1500))
        #expect(RetryAfter.parse("99999999999", now: 0) == RetryAfter.maximum)
    }

    @Test(arguments: [
        "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
    ])
    func httpDates(_ text: String) {
        #expect(RetryAfter.httpDate(text) == Self.rfcExample)
        #expect(RetryAfter.parse(text, now: Self.rfcExample - 30) == .seconds(30))
        #expect(RetryAfter.parse(text, now: Self.rfcExample + 30) == .zero)
    }

    @Test func garbageIsNil() {
        for text in ["", "soon", "-5", "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "1e9x"] {
            #expect(RetryAfter.parse(text, now: 0) == nil, "\(text)")
        }
    }

    @Test func headerFallbackToMilliseconds() {
        #expect(RetryAfter.parse(headers: HTTPClientHeaders([("retry-after-ms", "250")]), now: 0) == .milliseconds(250))
        #expect(
            RetryAfter.parse(headers: HTTPClientHeaders([("Retry-After", "2"), ("retry-after-ms", "250")]), now: 0)
                == .seconds(2))
        #expect(RetryAfter.parse(headers: HTTPClientHeaders(), now: 0) == nil)
    }

    @Test func civilDays() {
        #expect(RetryAfter.daysFromCivil(year: 1970, month: 1, day: 1) == 0)
        #expect(RetryAfter.daysFromCivil(year: 2000, month: 3, day: 1) == 11_017)
        #expect(RetryAfter.daysFromCivil(year: 1969, month: 12, day: 31) == -1)
    }
}
