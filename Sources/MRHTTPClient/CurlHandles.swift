internal import CCurl
import MRCommon

/// libcurl's one-time global set-up, run lazily (and thread-safely) by the first client.
private let curlGlobalInit: Void = {
    let code = curl_global_init(Int(CURL_GLOBAL_ALL))
    // Only out-of-memory or a broken libcurl make this fail; nothing sensible can go on without it.
    precondition(code == CURLE_OK, "curl_global_init failed with code \(code.rawValue)")
}()

/// Owns one `CURLM` multi handle; created, used and cleaned up on its driver thread only.
final class MultiHandle {
    let raw: UnsafeMutableRawPointer

    init(configuration: HTTPClient.Configuration) {
        _ = curlGlobalInit
        guard let raw = curl_multi_init() else { fatalError("curl_multi_init failed (out of memory)") }
        self.raw = raw
        _ = mr_curl_multi_setopt_long(raw, CURLMOPT_MAX_HOST_CONNECTIONS, configuration.maxConnectionsPerHost)
        _ = mr_curl_multi_setopt_long(raw, CURLMOPT_MAX_TOTAL_CONNECTIONS, configuration.maxTotalConnections)
    }

    deinit {
        curl_multi_cleanup(raw)
    }
}

/// Owns one `CURL` easy handle, its error buffer and the header list it points into. Reused across transfers
/// (`reset()` keeps curl's caches); lives on the driver thread only.
final class EasyHandle {
    let raw: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var headerList: UnsafeMutablePointer<curl_slist>?

    init?() {
        _ = curlGlobalInit
        guard let raw = curl_easy_init() else { return nil }
        self.raw = raw
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        curl_easy_cleanup(raw)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    /// Back to a blank handle for the next transfer.
    func reset() {
        curl_easy_reset(raw)
        curl_slist_free_all(headerList)
        headerList = nil
        errorBuffer[0] = 0
    }

    /// The text libcurl left in `CURLOPT_ERRORBUFFER`, or its generic text for `code`.
    func errorMessage(for code: CURLcode) -> String {
        let text = String(cString: errorBuffer)
        if !text.isEmpty { return text.hasSuffix("\n") ? String(text.dropLast()) : text }
        return String(cString: curl_easy_strerror(code))
    }

    /// Applies the request to the handle. `context` is the retained transfer pointer for `PRIVATE` and the
    /// callbacks.
    func configure(
        for request: HTTPClientRequest, context: UnsafeMutableRawPointer, configuration: HTTPClient.Configuration
    ) throws(HTTPClientError) {
        errorBuffer[0] = 0
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_PRIVATE, pointer: context)
        try check(mr_curl_easy_setopt_write_callback(raw, CURLOPT_WRITEFUNCTION, curlWriteCallback))
        try set(CURLOPT_WRITEDATA, pointer: context)
        try check(mr_curl_easy_setopt_write_callback(raw, CURLOPT_HEADERFUNCTION, curlHeaderCallback))
        try set(CURLOPT_HEADERDATA, pointer: context)
        try set(CURLOPT_URL, string: request.url)
        try set(CURLOPT_PROTOCOLS_STR, string: "http,https")
        try set(CURLOPT_TCP_KEEPALIVE, 1)
        try set(
            CURLOPT_BUFFERSIZE, min(512 * 1024, max(1024, request.receiveBufferSize ?? configuration.receiveBufferSize))
        )
        try set(CURLOPT_CONNECTTIMEOUT_MS, max(1, request.timeouts.connect.roundedUpMilliseconds))
        if let total = request.timeouts.total {
            try set(CURLOPT_TIMEOUT_MS, max(1, total.roundedUpMilliseconds))
        }
        try set(CURLOPT_USERAGENT, string: configuration.userAgent)
        if configuration.verbose { try set(CURLOPT_VERBOSE, 1) }

        switch request.method {
        case "GET" where request.body == nil: try set(CURLOPT_HTTPGET, 1)
        case "HEAD" where request.body == nil: try set(CURLOPT_NOBODY, 1)
        case "POST": try set(CURLOPT_POST, 1)
        default: try set(CURLOPT_CUSTOMREQUEST, string: request.method)
        }
        if let body = request.body {
            try check(mr_curl_easy_setopt_off_t(raw, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
            // COPYPOSTFIELDS copies the bytes now, so the array need not outlive this call.
            var code = CURLE_OK
            if body.isEmpty {
                var empty: UInt8 = 0
                code = mr_curl_easy_setopt_pointer(raw, CURLOPT_COPYPOSTFIELDS, &empty)
            } else {
                code = body.withUnsafeBytes {
                    mr_curl_easy_setopt_pointer(
                        raw, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress))
                }
            }
            try check(code)
        } else if request.method == "POST" {
            try check(mr_curl_easy_setopt_off_t(raw, CURLOPT_POSTFIELDSIZE_LARGE, 0))
            var empty: UInt8 = 0
            try check(mr_curl_easy_setopt_pointer(raw, CURLOPT_COPYPOSTFIELDS, &empty))
        }
        try setHeaders(request)
    }

    private func setHeaders(_ request: HTTPClientRequest) throws(HTTPClientError) {
        var list: UnsafeMutablePointer<curl_slist>?
        var lines: [String] = []
        lines.reserveCapacity(request.headers.count + 2)
        var givesExpect = false
        var givesContentType = false
        for (name, value) in request.headers {
            // "Name;" is curl's syntax for a field with an empty value ("Name:" would delete the field).
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
            givesExpect = givesExpect || HTTPToken.namesEqual(name, "Expect")
            givesContentType = givesContentType || HTTPToken.namesEqual(name, "Content-Type")
        }
        // curl would add "Expect: 100-continue" to large bodies (a round trip of delay) and a form Content-Type to
        // any body; a generic client sends neither unless asked.
        if !givesExpect { lines.append("Expect:") }
        if request.body != nil, !givesContentType { lines.append("Content-Type:") }
        for line in lines {
            guard let appended = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                throw .transport.with(message: "out of memory building the header list")
            }
            list = appended
        }
        curl_slist_free_all(headerList)
        headerList = list
        try check(mr_curl_easy_setopt_slist(raw, CURLOPT_HTTPHEADER, list))
    }

    private func set(_ option: CURLoption, _ value: Int) throws(HTTPClientError) {
        try check(mr_curl_easy_setopt_long(raw, option, value))
    }

    private func set(_ option: CURLoption, string: String) throws(HTTPClientError) {
        try check(mr_curl_easy_setopt_string(raw, option, string))
    }

    private func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws(HTTPClientError) {
        try check(mr_curl_easy_setopt_pointer(raw, option, pointer))
    }

    private func check(_ code: CURLcode) throws(HTTPClientError) {
        guard code == CURLE_OK else {
            throw .invalidRequest.with(message: String(cString: curl_easy_strerror(code)), curlCode: Int(code.rawValue))
        }
    }

    /// The transfer pointer stored in `CURLOPT_PRIVATE` of an easy handle.
    static func privatePointer(of raw: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
        var pointer: UnsafeMutableRawPointer?
        guard mr_curl_easy_getinfo_pointer(raw, CURLINFO_PRIVATE, &pointer) == CURLE_OK else { return nil }
        return pointer
    }
}

@available(*, unavailable) extension EasyHandle: Sendable {}

// MARK: Callbacks (capture nothing, recover the transfer from the context pointer, never throw or trap)

/// `CURLOPT_WRITEFUNCTION`: copies the body bytes (curl owns the buffer) and returns exactly `size * nmemb`,
/// `CURL_WRITEFUNC_PAUSE` to apply back-pressure, or 0 to abort an ended transfer.
private let curlWriteCallback:
    @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
        data, size, count, context in
        guard let context else { return 0 }
        let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
        let length = size &* count
        switch transfer.receivedBody(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : length)) {
        case .accept: return length
        case .pause: return Int(CURL_WRITEFUNC_PAUSE)
        case .abort: return 0
        }
    }

/// `CURLOPT_HEADERFUNCTION`: one complete header line per call (status line and the blank line included).
private let curlHeaderCallback:
    @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
        data, size, count, context in
        guard let context else { return 0 }
        let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
        let length = size &* count
        return transfer.receivedHeaderLine(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : length))
            ? length : 0
    }
