internal import CCurl

extension HTTPClientError {
    /// Maps a failed transfer's `CURLcode` to an error kind. `reachedTotal` tells a total timeout from a connect
    /// timeout, since curl reports both as `CURLE_OPERATION_TIMEDOUT`.
    static func fromCurl(_ code: CURLcode, message: String, reachedTotal: Bool) -> HTTPClientError {
        let kind: HTTPClientError
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            kind = .connectionFailed
        case CURLE_OPERATION_TIMEDOUT:
            kind = reachedTotal ? .totalTimeout : .connectTimeout
        case CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_RECV_ERROR, CURLE_SEND_ERROR:
            kind = .connectionClosed
        // A reply that is not HTTP/1.x or 2 ("HTTP/0.9 not allowed" is reported as an unsupported protocol; the
        // URL's scheme was checked before the transfer started).
        case CURLE_WEIRD_SERVER_REPLY, CURLE_UNSUPPORTED_PROTOCOL, CURLE_BAD_CONTENT_ENCODING, CURLE_HTTP2,
            CURLE_HTTP2_STREAM, CURLE_HTTP3:
            kind = .invalidResponse
        case CURLE_URL_MALFORMAT, CURLE_BAD_FUNCTION_ARGUMENT:
            kind = .invalidRequest
        case CURLE_ABORTED_BY_CALLBACK, CURLE_WRITE_ERROR:
            kind = .cancelled
        default:
            kind = .transport
        }
        return kind.with(message: message, curlCode: Int(code.rawValue))
    }
}
