import MRCommon
import MRHTTPServer
import Testing

/// Field names compare without regard to ASCII case, and only ASCII case.
@Suite struct HTTPHeadersTests {
    @Test func namesCompareIgnoringASCIICaseOnly() {
        #expect(HTTPToken.namesEqual("Content-Type", "content-TYPE"))
        #expect(HTTPToken.namesEqual("x-a", "X-A"))
        #expect(HTTPToken.namesEqual("", ""))
        #expect(!HTTPToken.namesEqual("Content-Type", "Content-Typ"))
        #expect(!HTTPToken.namesEqual("Content-Type", "Content_Type"))
        // Bytes that differ only in bit 0x20 but are not letters.
        #expect(!HTTPToken.namesEqual("a@", "a`"))
        #expect(!HTTPToken.namesEqual("x[", "x{"))
        // Non-ASCII letters are not folded (é and É differ in their second byte by 0x20 too).
        #expect(!HTTPToken.namesEqual("é", "É"))
    }

    @Test func lookupSetAndAddUseThatComparison() {
        var headers: HTTPHeaders = ["Content-Type": "text/plain", "X-Trace": "1"]
        #expect(headers["content-type"] == "text/plain")
        #expect(headers["CONTENT-TYPE"] == "text/plain")
        #expect(headers["content-typ"] == nil)
        headers.add("x-trace", "2")
        #expect(headers.count == 3)
        headers.set("X-TRACE", "3")
        #expect(headers.count == 2)
        #expect(headers["x-trace"] == "3")
    }
}
