/// Where the HTTP server listens: `server.listen` and `--listen`.
///
/// Accepted forms: `host:port` (`127.0.0.1:8080`, `localhost:8080`), `[ipv6]:port` (`[::1]:8080`),
/// `:port` (every IPv4 interface, host `0.0.0.0`, as in Go), and a bare `port` (host `127.0.0.1`, the
/// safe default). Port 0 asks the system for a free port (tests).
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// Why a listen address was rejected.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        /// A sentence naming the input and the accepted forms.
        public let message: String
        public var description: String { message }
    }

    /// Host name or IP address, without brackets for IPv6.
    public var host: String
    /// TCP port; 0 means any free port.
    public var port: UInt16

    /// An address from its parts.
    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses one of the forms described on the type.
    public init(parsing text: String) throws(ParseError) {
        let form = "use HOST:PORT, [IPV6]:PORT, :PORT or PORT (e.g. 127.0.0.1:8080)"
        func fail(_ reason: String) -> ParseError {
            ParseError(message: "invalid listen address \"\(text)\": \(reason); \(form)")
        }
        guard !text.isEmpty else { throw fail("empty") }
        let host: String
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw fail("missing \"]\"") }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw fail("missing \":PORT\" after \"]\"") }
            portText = rest.dropFirst()
            guard host.contains(":"), host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw fail("\"\(host)\" is not an IPv6 address")
            }
        } else if let colon = text.lastIndex(of: ":") {
            let hostPart = text[..<colon]
            guard !hostPart.contains(":") else { throw fail("an IPv6 address must be written in brackets") }
            host = hostPart.isEmpty ? "0.0.0.0" : String(hostPart)
            portText = text[text.index(after: colon)...]
            guard host.allSatisfy({ ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") && $0.isASCII })
            else { throw fail("\"\(host)\" is not a host name or IPv4 address") }
        } else {
            host = "127.0.0.1"
            portText = Substring(text)
        }
        guard !portText.isEmpty, portText.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw fail("the port must be a number")
        }
        guard let port = UInt16(portText) else { throw fail("the port must be between 0 and 65535") }
        self.init(host: host, port: port)
    }

    /// `host:port`, with brackets around an IPv6 host: the form ``init(parsing:)`` reads back.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
