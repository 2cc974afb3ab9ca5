/// HTTP's `token` grammar (RFC 9110): what a method or a header field name may be made of.
public enum HTTPToken {
    /// RFC 9110 `tchar`.
    public static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// Whether two field names are equal ignoring ASCII case (as HTTP compares them), without building
    /// lowercased copies.
    public static func namesEqual(_ a: String, _ b: String) -> Bool {
        var a = a
        var b = b
        return a.withUTF8 { a in
            b.withUTF8 { b in
                guard a.count == b.count else { return false }
                for index in 0..<a.count where a[index] != b[index] {
                    // ASCII letters differ only in bit 0x20.
                    guard a[index] | 0x20 == b[index] | 0x20 else { return false }
                    let lower = a[index] | 0x20
                    guard lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z") else { return false }
                }
                return true
            }
        }
    }

    /// A non-empty run of `tchar`s.
    public static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(isTokenByte)
    }
}
